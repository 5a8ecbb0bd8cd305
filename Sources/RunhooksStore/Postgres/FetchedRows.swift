import Logging
import PostgresNIO

/// The rows of a query, read in full while its deadline was watched (see `PostgresStore.query`).
struct FetchedRows: Sendable, RandomAccessCollection {
    private let rows: [PostgresRow]

    init(_ rows: [PostgresRow]) {
        self.rows = rows
    }

    var startIndex: Int { rows.startIndex }
    var endIndex: Int { rows.endIndex }
    subscript(position: Int) -> PostgresRow { rows[position] }

    /// Every row, mapped.
    func all<T>(_ transform: (PostgresRow) throws -> T) throws -> [T] {
        try rows.map(transform)
    }

    /// The first row, mapped; nil when there is none.
    func first<T>(_ transform: (PostgresRow) throws -> T) throws -> T? {
        try rows.first.map(transform)
    }

    /// Every row's one column decoded as `type`.
    func decode<Column: PostgresDecodable>(_ type: Column.Type) throws -> [Column] {
        try rows.map { try $0.decode(type) }
    }
}

extension PostgresConnection {
    /// Runs `query` and reads its rows in full, telling `watch` of each and of the answer's end.
    func fetch(_ query: PostgresQuery, logger: Logger, watch: AnswerWatch) async throws -> FetchedRows {
        var rows: [PostgresRow] = []
        for try await row in try await statement(query, logger: logger) {
            rows.append(row)
            watch.heard()
        }
        watch.heard()
        return FetchedRows(rows)
    }
}
