import Foundation
import Testing

@testable import RunhooksCore

/// The OpenAPI document's patterns against the Swift checks they describe, on many generated
/// inputs (a fixed seed, so a failure reproduces).
@Suite struct PatternAgreementTests {
    static func matches(_ pattern: String, _ text: String) throws -> Bool {
        matches(try NSRegularExpression(pattern: pattern), text)
    }

    static func matches(_ regex: NSRegularExpression, _ text: String) -> Bool {
        let range = NSRange(text.startIndex..., in: text)
        // The whole text, as ECMAScript reads `$` (ICU's also matches before a final newline).
        return regex.firstMatch(in: text, range: range)?.range == range
    }

    @Test func decimalRangesMatchExactlyTheirIntegers() throws {
        let ranges: [ClosedRange<Int>] = [0...59, 1...31, 0...7, 1...12, 7...7, 100...999, 1...65_535, 1000...31_622_400_000, 37...4_210]
        var random = SplitMix64(seed: 11)
        for range in ranges {
            // Compiled once per range: compiling per sample kept one of the suite's two
            // concurrency threads busy for seconds.
            let pattern = try NSRegularExpression(pattern: "^" + DecimalRangePattern.canonical(range) + "$")
            let lenient = try NSRegularExpression(pattern: "^" + DecimalRangePattern.lenient(range) + "$")
            var samples = Array(0...min(range.upperBound * 2, 20_000))
            for _ in 0..<3000 { samples.append(Int(random.next() % UInt64(range.upperBound * 2 + 1))) }
            samples += [range.lowerBound - 1, range.lowerBound, range.upperBound, range.upperBound + 1].filter { $0 >= 0 }
            for value in samples {
                #expect(Self.matches(pattern, String(value)) == range.contains(value), "\(value) in \(range)")
                #expect(Self.matches(lenient, "+00" + String(value)) == range.contains(value), "+00\(value) in \(range)")
            }
        }
    }

    /// What job validation accepts as a cron expression: it parses and fires within its horizon.
    static func serverAccepts(cron text: String) -> Bool {
        guard let expression = try? CronExpression(text) else { return false }
        let from = Date(timeIntervalSince1970: 1_796_000_000)  // 2026-11-29
        return expression.nextFire(after: from, in: TimeZone(identifier: "UTC")!) != nil
    }

    static func randomCronField(_ random: inout SplitMix64, upper: Int, names: [String]) -> String {
        func number() -> String {
            // Mostly inside the field's range, sometimes just past it.
            let value = Int(random.next() % UInt64(upper + (random.next() % 8 == 0 ? 10 : 2)))
            switch random.next() % 10 {
            case 0: return "0" + String(value)
            case 1: return "+" + String(value)
            case 2 where !names.isEmpty: return names[Int(random.next() % UInt64(names.count))]
            case 3 where !names.isEmpty: return names[Int(random.next() % UInt64(names.count))].lowercased()
            default: return String(value)
            }
        }
        func item() -> String {
            var text: String
            switch random.next() % 6 {
            case 0: text = "*"
            case 1, 2: text = number()
            default: text = number() + "-" + number()
            }
            if random.next() % 3 == 0 { text += "/" + String(random.next() % UInt64(upper + 3)) }
            if random.next() % 40 == 0 { text += ["x", "-", "/", "ſ", "٣", "?"][Int(random.next() % 6)] }
            return text
        }
        return (0..<(1 + Int(random.next() % 3))).map { _ in item() }.joined(separator: ",")
    }

    @Test func theCronPatternAcceptsWhatTheParserAccepts() throws {
        var random = SplitMix64(seed: 7)
        let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
        let dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
        var samples = [
            "0 0 30 2 *", "0 0 31 2,4 *", "0 0 30-31/1 feb *", "0 0 31 4-6/2 */2", "0 0 30 2 1", "0 0 29 2 *",
            "0 0 31 9,11 *", "0 0 31 11/5 *", "0 0 31 6-11/3 *", "0 0 31 4/5 *", "0 0 31 4/7 *", "0 0 30/1 2 *",
            " @Daily ", "@hourly", "@weekly\t", "@WEEK\u{212A}LY", "*/5 * * * *", "0 9 * * MON-FRI", "5-3 * * * *",
            "0 0 * * 7", "0 0 * * 5-7", "60 * * * *", "0 24 * * *", "*/0 * * * *", "*/60 * * * *", "0 0 1 1 * *",
            "\u{3000}0 0 1 1 *\n", "0\u{3000}0 1 1 *", " \u{301}0 0 1 1 *", "0 0 1 JAN ſun", "0 0 1 1 0,7", "0 0 ? * *",
        ]
        for _ in 0..<20_000 {
            var fields = [
                Self.randomCronField(&random, upper: 59, names: []), Self.randomCronField(&random, upper: 23, names: []),
                Self.randomCronField(&random, upper: 31, names: []), Self.randomCronField(&random, upper: 12, names: monthNames),
                Self.randomCronField(&random, upper: 7, names: dayNames),
            ]
            // Bias towards the shapes that can never fire.
            if random.next() % 8 == 0 {
                fields[2] = ["30", "31", "30,31", "30-31", "31/5", "30/1"][Int(random.next() % 6)]
                fields[3] = ["2", "feb", "4,6", "2-4/2", "11", "9-11/2", "2/11", "4/7"][Int(random.next() % 8)]
                fields[4] = ["*", "*/2", "1", "MON"][Int(random.next() % 4)]
            }
            let separator = random.next() % 10 == 0 ? " \t " : " "
            samples.append(fields.joined(separator: separator))
        }
        var accepted = 0
        let pattern = try NSRegularExpression(pattern: CronPattern.pattern)
        for text in samples {
            let server = Self.serverAccepts(cron: text)
            if server { accepted += 1 }
            #expect(Self.matches(pattern, text) == server, "\(text.debugDescription): server \(server)")
        }
        #expect(accepted > 600)
    }

    @Test func namePatternsAgreeWithTheFieldReader() throws {
        let pool: [Character] = ["a", "Z", "7", " ", "\t", "\n", "\u{7F}", "\u{85}", "\u{9F}", "\u{A0}", "\u{3000}", "\u{2028}", "\u{200B}", "\u{301}", "é", "🙂", "\u{1F}", "-", "\u{FEFF}"]
        var random = SplitMix64(seed: 3)
        for _ in 0..<5000 {
            let text = String((0..<(1 + Int(random.next() % 5))).map { _ in pool[Int(random.next() % UInt64(pool.count))] })
            let reader = try FieldReader(.object(["name": .string(text)]))
            let asName = (try? reader.requiredName("name", length: 1...255)) != nil
            let asLine = (try? reader.line("name", length: 1...255)) != nil
            #expect(try Self.matches(TextPatterns.nonBlankLine, text) == asName, "\(text.debugDescription)")
            #expect(try Self.matches(TextPatterns.line, text) == asLine, "\(text.debugDescription)")
        }
    }

    @Test func theEmailPatternAgreesWithTheCheck() throws {
        let local = ["a", "Z9", "ü", "+tag", "🙂", "_", ".", " ", "\u{7F}", "@"]
        let labels = ["a", "b-c", "com", "x9", "-y", "z-", "ü", "", "_"]
        var random = SplitMix64(seed: 5)
        var valid = 0
        let pattern = try NSRegularExpression(pattern: TextPatterns.email)
        for _ in 0..<8000 {
            var text = (0..<(1 + Int(random.next() % 3))).map { _ in local[Int(random.next() % UInt64(random.next() % 4 == 0 ? 10 : 6))] }.joined()
            text += "@" + (0..<(1 + Int(random.next() % 4))).map { _ in labels[Int(random.next() % UInt64(random.next() % 4 == 0 ? 9 : 4))] }.joined(separator: ".")
            let check = EmailAddress.isValid(text)
            if check { valid += 1 }
            #expect(Self.matches(pattern, text) == check, "\(text.debugDescription)")
        }
        #expect(valid > 100)
        let longLocal = String(repeating: "a", count: 65) + "@example.com"
        #expect(try !EmailAddress.isValid(longLocal) && !Self.matches(TextPatterns.email, longLocal))
    }

    @Test func everyURLTheTargetPatternAllowsIsAccepted() throws {
        let pattern = try NSRegularExpression(pattern: TextPatterns.targetURL(schemes: ["http", "https"]))
        var allowed = 0
        var random = SplitMix64(seed: 9)
        let labels = ["a", "0", "x-y", "ex4mple", "B"]
        let tlds = ["com", "IO", "localhostx", "xn", "museum"]
        let pathPieces = ["/", "/a", "%2F", "~", "!$&'()*+,;=:@", "-._"]
        for _ in 0..<3000 {
            var url = ["http", "HTTPS", "hTTp"][Int(random.next() % 3)] + "://"
            url += (0..<(1 + Int(random.next() % 3))).map { _ in labels[Int(random.next() % UInt64(labels.count))] }.joined(separator: ".")
            url += "." + tlds[Int(random.next() % UInt64(tlds.count))]
            if random.next() % 3 == 0 { url += ":" + String(1 + random.next() % 65_535) }
            url += (0..<Int(random.next() % 4)).map { _ in pathPieces[Int(random.next() % UInt64(pathPieces.count))] }.joined()
            if url.contains("/") == false || random.next() % 2 == 0 { url += "?q=1&r=%20" }
            guard Self.matches(pattern, url) else { continue }
            allowed += 1
            let target = try? TargetURL(url, field: "url")
            #expect(target != nil && target?.nonPublicReasonWithoutDNS == nil, "\(url)")
        }
        for refused in ["http://localhost/", "http://a.localhost:80/", "http://127.0.0.1/", "http://2130706433/", "ftp://a.com/", "http://a.com/ x"] {
            #expect(!Self.matches(pattern, refused), "\(refused)")
        }
        #expect(allowed > 1000, "the generator must produce URLs the pattern allows")
        #expect(try !Self.matches(TextPatterns.targetURL(schemes: ["https"]), "http://hooks.slack.com/x"))
    }

    @Test func headerNamePatternAgreesWithTheHeaderRules() throws {
        for name in ["X-Token", "host", "HOST", "Content-Length", "runhooks-x", "Runhooks-Job", "webhook-id", "x y", "", "a:b", "té", "Webhook-Signature2", "te", "tE"] {
            let accepted = (try? HeaderRules.validate([name: "v"], field: "headers")) != nil
            #expect(try Self.matches(TextPatterns.headerName, name) == accepted, "\(name.debugDescription)")
        }
        for value in ["plain", "tab\tok", "line\nbreak", "\u{7F}", "\u{85}ok", "é"] {
            let accepted = (try? HeaderRules.validate(["X-A": value], field: "headers")) != nil
            #expect(try Self.matches(TextPatterns.headerValue, value) == accepted, "\(value.debugDescription)")
        }
    }

    @Test func everyListedTimeZoneIsAccepted() {
        let names = TimeZoneCatalog.allNames
        #expect(names.count > 400)
        #expect(names.contains("Europe/London") && names.contains("Etc/GMT+5") && names.contains("UTC"))
        for name in names { #expect(TimeZoneCatalog.zone(named: name) != nil, "\(name)") }
    }
}
