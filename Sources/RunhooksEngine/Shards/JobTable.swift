import RunhooksCore

/// A shard's active jobs by id. The jobs are boxed because a dictionary keeps its values
/// inline in a power-of-two table: a million jobs stored inline waste hundreds of megabytes
/// in empty slots, boxed they waste a pointer each.
struct JobTable {
    final class Box: Sendable {
        let job: Job
        init(_ job: Job) { self.job = job }
    }

    private var boxes: [String: Box] = [:]

    subscript(id: String) -> Job? {
        get { boxes[id]?.job }
        set { boxes[id] = newValue.map(Box.init) }
    }

    @discardableResult
    mutating func removeValue(forKey id: String) -> Job? {
        boxes.removeValue(forKey: id)?.job
    }
}
