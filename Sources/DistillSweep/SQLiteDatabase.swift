import Foundation
import CSQLite3

/// A value bound into an SQL statement (NaN and nil are NULL).
public enum SQLValue {
    case integer(Int64)
    case real(Double)
    case text(String)
    case null
}

/// A minimal wrapper over the system SQLite: open, execute, insert rows with
/// prepared statements. Not thread-safe; one connection per value.
public final class SQLiteDatabase {
    let handle: OpaquePointer
    public let path: String

    /// Opens (creating if needed) the database at `path`.
    /// - Throws: `SweepError` with SQLite's message.
    public init(path: String) throws {
        var db: OpaquePointer?
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nil) == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(db)
            throw SweepError("cannot open the SQLite database \(path): \(message)")
        }
        handle = db
        self.path = path
    }

    deinit { sqlite3_close(handle) }

    /// Runs one or more statements without parameters.
    public func execute(_ sql: String) throws {
        var error: UnsafeMutablePointer<CChar>?
        guard sqlite3_exec(handle, sql, nil, nil, &error) == SQLITE_OK else {
            let message = error.map { String(cString: $0) } ?? "unknown error"
            sqlite3_free(error)
            throw SweepError("SQLite (\(path)): \(message) in: \(sql.prefix(200))")
        }
    }

    /// Runs `sql` (one statement with `?` placeholders) once per row of values.
    /// - Complexity: one prepare, one step per row.
    public func insert(_ sql: String, rows: [[SQLValue]]) throws {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw SweepError("SQLite (\(path)): \(String(cString: sqlite3_errmsg(handle))) in: \(sql.prefix(200))")
        }
        defer { sqlite3_finalize(statement) }
        // SQLITE_TRANSIENT: SQLite copies the bound text before the Swift string goes away.
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        for row in rows {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
            for (i, value) in row.enumerated() {
                let slot = Int32(i + 1)
                switch value {
                case let .integer(v): sqlite3_bind_int64(statement, slot, v)
                case let .real(v): if v.isNaN { sqlite3_bind_null(statement, slot) } else { sqlite3_bind_double(statement, slot, v) }
                case let .text(v): sqlite3_bind_text(statement, slot, v, -1, transient)
                case .null: sqlite3_bind_null(statement, slot)
                }
            }
            guard sqlite3_step(statement) == SQLITE_DONE else {
                throw SweepError("SQLite (\(path)): \(String(cString: sqlite3_errmsg(handle))) in: \(sql.prefix(200))")
            }
        }
    }

    /// A double-quoted SQL identifier.
    public static func identifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
