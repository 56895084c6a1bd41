import Foundation
import DistillCore

/// The attacker's way to the oracle, one batch at a time. Counters wrap it
/// (`average-repeats` sends each batch several times, `argmax` keeps only
/// the top class), so a new counter changes no other file.
public protocol QueryChannel: AnyObject {
    /// Oracle queries each distinct input costs through this channel.
    var queriesPerInput: Int { get }
    /// Width of an answer (the teacher's class count).
    var classCount: Int { get }
    /// Answers one batch (rows = inputs); costs `queriesPerInput · batch.rows` queries.
    func query(_ batch: Matrix) throws -> Matrix
}

/// The innermost channel: the oracle itself, counting under one client id.
public final class OracleChannel: QueryChannel {
    public let oracle: Oracle
    public let client: String
    public init(oracle: Oracle, client: String) { self.oracle = oracle; self.client = client }
    public var queriesPerInput: Int { 1 }
    public var classCount: Int { oracle.teacher.classCount }
    public func query(_ batch: Matrix) throws -> Matrix { try oracle.query(batch, client: client) }
}

/// A channel with no oracle behind it: counters can wrap it, so a run checks
/// the attack's plan (repeats, budget against the pool) before it trains.
final class PlanningChannel: QueryChannel {
    let classCount: Int
    init(classCount: Int) { self.classCount = classCount }
    var queriesPerInput: Int { 1 }
    func query(_ batch: Matrix) throws -> Matrix {
        throw AttackError.incompatible(component: "planning", reason: "a planned attack cannot query; connect it to an oracle")
    }
}
