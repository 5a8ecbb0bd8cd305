import Foundation
import RunhooksCore

/// The replay and trigger requests not yet handled, oldest first, read from the store one page
/// at a time (`ExecutionLog.allPendingReplayRequests`).
public struct PendingReplayRequests: AsyncSequence, Sendable {
    public typealias Element = ReplayRequest

    let log: any ExecutionLog
    let cutoff: Date
    let pageSize: Int

    public func makeAsyncIterator() -> Iterator {
        Iterator(log: log, cutoff: cutoff, pageSize: Swift.max(1, pageSize))
    }

    public struct Iterator: AsyncIteratorProtocol {
        let log: any ExecutionLog
        let cutoff: Date
        let pageSize: Int
        private var page: [ReplayRequest] = []
        private var index = 0
        private var lastPage = false

        init(log: any ExecutionLog, cutoff: Date, pageSize: Int) {
            self.log = log
            self.cutoff = cutoff
            self.pageSize = pageSize
        }

        public mutating func next() async throws -> ReplayRequest? {
            if index == page.count {
                guard !lastPage else { return nil }
                page = try await log.pendingReplayRequests(requestedBefore: cutoff, after: page.last, limit: pageSize)
                index = 0
                lastPage = page.count < pageSize
                guard !page.isEmpty else { return nil }
            }
            defer { index += 1 }
            return page[index]
        }
    }
}
