import Foundation
import DistillCore
import DistillNN

/// Errors from the oracle; each names the problem and the fix.
public enum OracleError: Error, CustomStringConvertible, Equatable {
    case budgetExhausted(client: String, budget: Int, used: Int, requested: Int)
    case wrongInputWidth(got: Int, expected: Int)

    public var description: String {
        switch self {
        case let .budgetExhausted(c, b, u, r):
            return "client '\(c)' asked for \(r) more queries but has used \(u) of its budget of \(b); raise the query budget or query less"
        case let .wrongInputWidth(g, e):
            return "queries have \(g) features but the teacher expects \(e)"
        }
    }
}

/// The simulated prediction API: the only way anyone reaches the teacher.
///
/// It answers batches of queries with (possibly defended) probability vectors
/// and counts every query per client, enforcing each client's budget.
public final class Oracle {
    public let teacher: MLP
    /// Defenses applied in order to every response.
    public private(set) var defenses: [ResponseDefense]
    /// Queries answered so far, per client id.
    public private(set) var queryCounts: [String: Int] = [:]
    /// Per-client query budgets; a client without an entry is unlimited.
    public var budgets: [String: Int] = [:]
    /// Observers of every answered batch (e.g. an extraction detector).
    public var monitors: [QueryMonitor] = []
    var defenseStream: RandomStream

    /// - Parameters:
    ///   - teacher: the model served.
    ///   - defenses: response transforms applied in order.
    ///   - defenseStream: seeded stream for randomised defenses (a rerun gives the same responses).
    public init(teacher: MLP, defenses: [ResponseDefense] = [], defenseStream: RandomStream) {
        self.teacher = teacher
        self.defenses = defenses
        self.defenseStream = defenseStream
    }

    /// Total queries answered, all clients.
    public var totalQueries: Int { queryCounts.values.reduce(0, +) }

    /// Answers a batch of queries for `client`; counts them and applies the defenses.
    /// - Returns: a `queries.rows × classes` matrix of responses.
    /// - Throws: `OracleError.budgetExhausted` if the batch would exceed the client's budget.
    public func query(_ queries: Matrix, client: String) throws -> Matrix {
        guard queries.cols == teacher.inputSize else { throw OracleError.wrongInputWidth(got: queries.cols, expected: teacher.inputSize) }
        let used = queryCounts[client, default: 0]
        if let b = budgets[client], used + queries.rows > b {
            throw OracleError.budgetExhausted(client: client, budget: b, used: used, requested: queries.rows)
        }
        queryCounts[client] = used + queries.rows
        let responses = teacher.probabilities(queries)
        for d in defenses { try d.apply(to: responses, queries: queries, rng: &defenseStream) }
        for m in monitors { m.observe(client: client, queries: queries, responses: responses) }
        return responses
    }
}
