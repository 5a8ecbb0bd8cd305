import GRDB

/// Reading rows while their statement holds them. A row read through its statement finds a
/// column by name in the statement's index; a copied row (what `Row.fetchAll` and
/// `Row.fetchOne` return) lowercases and compares every column name on every read, which made
/// it most of the cost of decoding a page of executions.
extension SQLiteRows {
    static func all<T>(
        _ db: Database, sql: String, arguments: StatementArguments = StatementArguments(), _ transform: (Row) throws -> T
    ) throws -> [T] {
        try all(db.makeStatement(sql: sql), arguments: arguments, transform)
    }

    static func all<T>(
        _ statement: Statement, arguments: StatementArguments = StatementArguments(), _ transform: (Row) throws -> T
    ) throws -> [T] {
        let cursor = try Row.fetchCursor(statement, arguments: arguments)
        var values: [T] = []
        while let row = try cursor.next() { values.append(try transform(row)) }
        return values
    }

    static func one<T>(
        _ db: Database, sql: String, arguments: StatementArguments = StatementArguments(), _ transform: (Row) throws -> T
    ) throws -> T? {
        try one(db.makeStatement(sql: sql), arguments: arguments, transform)
    }

    static func one<T>(
        _ statement: Statement, arguments: StatementArguments = StatementArguments(), _ transform: (Row) throws -> T
    ) throws -> T? {
        let cursor = try Row.fetchCursor(statement, arguments: arguments)
        // The row is the statement's until the cursor goes (and resets it).
        return try withExtendedLifetime(cursor) { try cursor.next().map(transform) }
    }
}
