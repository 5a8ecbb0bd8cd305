import Logging
import RunhooksStore
import ServiceLifecycle

/// Reads the store's credentials generation every second and hands it to the account cache, so
/// a key rotated (or a plan changed) on another node stops working here within a second.
public struct AccountCacheRefresh: Service {
    let cache: AccountCache
    let store: any AccountStore
    let interval: Duration
    let logger: Logger

    public init(cache: AccountCache, store: any AccountStore, interval: Duration = .seconds(1), logger: Logger) {
        self.cache = cache
        self.store = store
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await refreshOnce()
                do { try await Task.sleep(for: interval) } catch { return }
            }
        }
    }

    public func refreshOnce() async {
        do {
            cache.observe(generation: try await store.credentialsGeneration())
        } catch {
            // The time to live still bounds what the cache serves.
            guard !Task.isCancelled else { return }
            logger.warning("could not read the credentials generation: \(error)")
        }
    }
}
