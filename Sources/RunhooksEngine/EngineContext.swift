import RunhooksCore
import RunhooksStore

/// What the runtime's actors share: the store, the id source, the clock and the accounts'
/// signing secrets.
public struct EngineContext: Sendable {
    public let store: any Store
    public let ids: ObjectIDGenerator
    public let clock: any WallClock
    public let shards: ShardMap
    public let webhookSecrets: WebhookSecrets

    /// `secretBox` seals the webhook signing secrets in the store.
    public init(store: any Store, ids: ObjectIDGenerator, clock: any WallClock, shards: ShardMap, secretBox: SecretBox) {
        self.store = store
        self.ids = ids
        self.clock = clock
        self.shards = shards
        webhookSecrets = WebhookSecrets(store: store, box: secretBox, clock: clock)
    }
}
