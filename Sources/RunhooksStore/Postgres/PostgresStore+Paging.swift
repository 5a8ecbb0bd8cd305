import PostgresNIO

extension PostgresStore {
    /// One page of `table`'s rows matching `whereClause` (whose parameters are `bindings`),
    /// newest first, with the total count of matching rows.
    func page<Item: Sendable>(
        of table: String, where whereClause: String, bindings: PostgresBindings, request: PageRequest,
        _ transform: (PostgresRow) throws -> Item
    ) async throws -> Page<Item> {
        let total = try await query(
            PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table) WHERE \(whereClause)", binds: bindings), logger: logger
        ).first { try $0.decode(Int.self) } ?? 0
        var pageBindings = bindings
        pageBindings.append(request.limit)
        pageBindings.append(request.offset)
        let items = try await query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT * FROM \(table) WHERE \(whereClause) ORDER BY created_at DESC, id DESC
                    LIMIT $\(bindings.count + 1) OFFSET $\(bindings.count + 2)
                    """, binds: pageBindings), logger: logger
        ).all(transform)
        return Page(items: items, total: total, request: request)
    }
}
