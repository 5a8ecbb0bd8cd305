import Foundation
import RunhooksCore
import RunhooksStore

extension DeliveryEngine {
    /// How old a replay or "run now" request still pending in the store must be before the
    /// engine launches it itself. The API launches each one as it records it; one still
    /// pending a minute later was stranded (the shard was moving, or its job could not be read
    /// at that moment), and would otherwise wait for its shard's next start.
    public static let strandedRequestAge: TimeInterval = 60

    /// Hands the requests of this node's shards that are pending and older than
    /// `strandedRequestAge` to their shards; returns how many. Safe to repeat: a request is
    /// marked handled in the same batch as its claim or before it, so a pending one has not
    /// run, and a shard launches a request id at most once in ten minutes. The pending requests
    /// are read `pageSize` at a time to the last one, so those of other nodes' shards (pending
    /// until their owners sweep them) never hide this node's.
    @discardableResult
    public func launchStrandedRequests(pageSize: Int = 1_000) async -> Int {
        let cutoff = context.clock.now() - Self.strandedRequestAge
        var launched = 0
        do {
            for try await request in context.store.allPendingReplayRequests(requestedBefore: cutoff, pageSize: pageSize) {
                guard isRunning(shard: context.shards.shard(forUser: request.userId)) else { continue }
                logger.info(
                    "run request \(request.id) of job \(request.jobId) was still pending after \(Int(Self.strandedRequestAge)) s; launching it")
                await runRequested(request)
                launched += 1
            }
        } catch {
            logger.warning("cannot read pending run requests: \(error)")
        }
        return launched
    }

    func launchStrandedRequestsPeriodically() async {
        while !Task.isCancelled {
            do {
                try await context.clock.sleep(until: context.clock.now() + Self.strandedRequestAge)
            } catch {
                return
            }
            await launchStrandedRequests()
        }
    }
}
