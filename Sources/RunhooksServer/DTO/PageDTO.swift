import RunhooksStore

/// `{data, total, page, limit, totalPages}`.
struct PageDTO<Item: Encodable>: Encodable {
    var data: [Item]
    var total: Int
    var page: Int
    var limit: Int
    var totalPages: Int

    init<Source>(_ page: Page<Source>, transform: (Source) -> Item) {
        data = page.items.map(transform)
        total = page.total
        self.page = page.page
        limit = page.limit
        totalPages = page.totalPages
    }
}
