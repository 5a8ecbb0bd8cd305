import ArgumentParser
import Foundation

/// `runhooks cluster status`: members and the shard table as one node sees them.
struct ClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster", abstract: "Inspect a cluster.", subcommands: [Status.self])

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show members (state, incarnation, addresses, shards owned) and the shard table.")
        @OptionGroup var options: ClientOptions

        func run() async throws {
            let reply = try await options.client(anonymous: true).send(.GET, "/health")
            let cluster = reply.data?["cluster"]
            if options.json { return options.output.printJSON(cluster) }
            guard let cluster else {
                print("\(try options.resolvedURL()) is a standalone node (not part of a cluster); it runs every shard.")
                return
            }
            let nodeId = Output.text(cluster["nodeId"])
            print("as seen by \(nodeId) (table version \(Output.text(cluster["tableVersion"])))")
            let rows = (cluster["members"]?.array ?? []).map { member in
                ["id", "status", "incarnation", "gossipAddress", "gatewayUrl", "shardsOwned"].map { Output.text(member[$0]) }
            }
            options.output.statusTable(
                ["MEMBER", "STATE", "INCARNATION", "GOSSIP", "GATEWAY", "SHARDS"], rows, statusColumn: "STATE")
            let owners = (cluster["shardOwners"]?.array ?? []).map { Output.text($0) }
            print()
            print("shard table (\(owners.count) shards):")
            let byOwner = Dictionary(grouping: owners.indices, by: { owners[$0] })
            for owner in byOwner.keys.sorted() {
                print("  \(owner): " + byOwner[owner]!.map(String.init).joined(separator: " "))
            }
            print("\(nodeId) runs \(cluster["runningShards"]?.array?.count ?? 0) shard(s) under lease now.")
        }
    }
}
