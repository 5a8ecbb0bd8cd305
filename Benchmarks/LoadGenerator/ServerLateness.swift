import AsyncHTTPClient
import Foundation
import NIOCore

/// Reads the server's own lateness histogram (send time minus scheduled time, the engine's
/// `runhooks_fire_lateness`) from `/metrics`, so the figure excludes the sink's own delays.
struct ServerLateness {
    /// Cumulative counts by bucket upper bound (seconds), as Prometheus exposes them.
    var buckets: [(upperBound: Double, count: Double)]

    static func read(client: HTTPClient, metricsURL: String) async throws -> ServerLateness {
        let response = try await client.execute(HTTPClientRequest(url: metricsURL), timeout: .seconds(10))
        let text = String(buffer: try await response.body.collect(upTo: 4 << 20))
        var buckets: [(Double, Double)] = []
        for line in text.split(separator: "\n") where line.hasPrefix("runhooks_fire_lateness_bucket{le=\"") {
            let parts = line.split(separator: "\"")
            guard parts.count >= 3, let count = Double(parts[2].dropFirst(2).trimmingCharacters(in: .whitespaces)) else { continue }
            let bound = parts[1] == "+Inf" ? Double.infinity : Double(parts[1]) ?? .infinity
            buckets.append((bound, count))
        }
        return ServerLateness(buckets: buckets.sorted { $0.0 < $1.0 })
    }

    /// The histogram of what happened between two readings.
    func since(_ earlier: ServerLateness) -> ServerLateness {
        let before = Dictionary(earlier.buckets.map { ($0.upperBound, $0.count) }, uniquingKeysWith: { a, _ in a })
        return ServerLateness(buckets: buckets.map { ($0.upperBound, $0.count - (before[$0.upperBound] ?? 0)) })
    }

    var total: Double { buckets.last?.count ?? 0 }

    /// The upper bound (ms) of the bucket holding the given percentile.
    func percentileMs(_ p: Double) -> Double {
        let target = total * p
        for bucket in buckets where bucket.count >= target { return bucket.upperBound * 1000 }
        return .infinity
    }
}
