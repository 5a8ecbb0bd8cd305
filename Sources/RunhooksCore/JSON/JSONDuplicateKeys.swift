import Foundation

/// Finds a key that appears twice in one object of a JSON text. Decoders keep one of the two
/// values without a word (which one depends on the decoder), so the API refuses such a body
/// rather than silently choose for the caller.
public enum JSONDuplicateKeys {
    private struct Frame {
        var isObject: Bool
        var path: String
        var keys: Set<String> = []
        var key: String?
        var index = 0
        var expectsKey = true
    }

    /// The path of the first repeated key ("httpConfig.headers.X-Token", "alerts[1].type"), or
    /// nil. `text` must already be valid JSON: this only follows its structure.
    public static func firstDuplicate(in text: some Collection<UInt8>) -> String? {
        var stack: [Frame] = []
        var iterator = text.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                stack.append(Frame(isObject: byte == UInt8(ascii: "{"), path: childPath(of: stack.last)))
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                _ = stack.popLast()
            case UInt8(ascii: ","):
                guard let top = stack.indices.last else { continue }
                if stack[top].isObject { stack[top].expectsKey = true } else { stack[top].index += 1 }
            case UInt8(ascii: "\""):
                guard let top = stack.indices.last, stack[top].isObject, stack[top].expectsKey else {
                    skipString(&iterator)
                    continue
                }
                let key = decodeKey(readString(&iterator))
                if !stack[top].keys.insert(key).inserted { return join(stack[top].path, key) }
                stack[top].key = key
                stack[top].expectsKey = false
            default:
                continue
            }
        }
        return nil
    }

    private static func childPath(of parent: Frame?) -> String {
        guard let parent else { return "" }
        return parent.isObject ? join(parent.path, parent.key ?? "") : "\(parent.path)[\(parent.index)]"
    }

    private static func join(_ path: String, _ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    /// The bytes of a string up to its closing quote (escapes kept as written).
    private static func readString<Iterator: IteratorProtocol<UInt8>>(_ iterator: inout Iterator) -> [UInt8] {
        var bytes: [UInt8] = []
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "\"") { break }
            bytes.append(byte)
            if byte == UInt8(ascii: "\\"), let escaped = iterator.next() { bytes.append(escaped) }
        }
        return bytes
    }

    /// Past a value string, up to its closing quote, keeping nothing.
    private static func skipString<Iterator: IteratorProtocol<UInt8>>(_ iterator: inout Iterator) {
        while let byte = iterator.next(), byte != UInt8(ascii: "\"") {
            if byte == UInt8(ascii: "\\") { _ = iterator.next() }
        }
    }

    /// `"\u0061"` and `"a"` are the same key.
    private static func decodeKey(_ raw: [UInt8]) -> String {
        guard raw.contains(UInt8(ascii: "\\")) else { return String(decoding: raw, as: UTF8.self) }
        let quoted = Data([UInt8(ascii: "\"")] + raw + [UInt8(ascii: "\"")])
        return (try? JSONDecoder().decode(String.self, from: quoted)) ?? String(decoding: raw, as: UTF8.self)
    }
}
