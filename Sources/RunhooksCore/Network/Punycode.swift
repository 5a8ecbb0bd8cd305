import Foundation

/// Internationalised host names in their ASCII form (IDNA: each non-ASCII label lowercased,
/// composed, and written as "xn--" + Punycode, RFC 3492), the form DNS, `Host` and TLS use.
public enum Punycode {
    /// `host` with every non-ASCII label encoded; nil when a label cannot be (too long).
    public static func asciiHost(_ host: String) -> String? {
        guard host.unicodeScalars.contains(where: { !$0.isASCII }) else { return host }
        // IDNA treats the ideographic and full-width full stops as dots.
        let dots: Set<Character> = [".", "\u{3002}", "\u{FF0E}", "\u{FF61}"]
        var labels: [String] = []
        for label in split(host, on: dots) {
            guard label.unicodeScalars.contains(where: { !$0.isASCII }) else {
                labels.append(label.lowercased())
                continue
            }
            let mapped = label.lowercased().precomposedStringWithCanonicalMapping
            guard let encoded = encode(mapped), encoded.utf8.count + 4 <= 63 else { return nil }
            labels.append("xn--" + encoded)
        }
        return labels.joined(separator: ".")
    }

    private static func split(_ host: String, on dots: Set<Character>) -> [String] {
        var labels = [""]
        for character in host {
            if dots.contains(character) { labels.append("") } else { labels[labels.count - 1].append(character) }
        }
        return labels
    }

    private static let base = 36, tMin = 1, tMax = 26, skew = 38, damp = 700

    /// The Punycode of `label` (without the "xn--" prefix); nil on overflow.
    public static func encode(_ label: String) -> String? {
        let input = label.unicodeScalars.map { Int($0.value) }
        var output = input.filter { $0 < 0x80 }.map { Character(Unicode.Scalar(UInt8($0))) }
        let basicCount = output.count
        var handled = basicCount
        if basicCount > 0 { output.append("-") }
        var n = 0x80, delta = 0, bias = 72
        while handled < input.count {
            guard let m = input.filter({ $0 >= n }).min() else { break }
            let (step, overflow) = (m - n).multipliedReportingOverflow(by: handled + 1)
            guard !overflow, delta <= Int(Int32.max) - step else { return nil }
            delta += step
            n = m
            for code in input {
                if code < n { delta += 1 }
                guard code == n else { continue }
                var q = delta
                var k = base
                while true {
                    let t = k <= bias ? tMin : (k >= bias + tMax ? tMax : k - bias)
                    if q < t { break }
                    output.append(digit(t + (q - t) % (base - t)))
                    q = (q - t) / (base - t)
                    k += base
                }
                output.append(digit(q))
                bias = adapt(delta, points: handled + 1, first: handled == basicCount)
                delta = 0
                handled += 1
            }
            delta += 1
            n += 1
        }
        return String(output)
    }

    private static func digit(_ value: Int) -> Character {
        Character(Unicode.Scalar(UInt8(value < 26 ? 97 + value : 22 + value)))
    }

    private static func adapt(_ delta: Int, points: Int, first: Bool) -> Int {
        var delta = first ? delta / damp : delta / 2
        delta += delta / points
        var k = 0
        while delta > ((base - tMin) * tMax) / 2 {
            delta /= base - tMin
            k += base
        }
        return k + (base - tMin + 1) * delta / (delta + skew)
    }
}
