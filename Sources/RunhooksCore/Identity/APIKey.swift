/// API keys: `rh_live_` followed by 40 random base62 characters (≈238 bits).
public enum APIKey {
    public static let prefix = "rh_live_"
    public static let randomLength = 40
    /// How many leading characters are kept in clear to help users tell keys apart.
    public static let displayPrefixLength = 12

    private static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")

    public static func generate() -> String {
        var random = SystemRandomNumberGenerator()
        var key = prefix
        for _ in 0..<randomLength {
            key.append(alphabet[Int.random(in: 0..<alphabet.count, using: &random)])
        }
        return key
    }

    public static func displayPrefix(of key: String) -> String {
        String(key.prefix(displayPrefixLength))
    }

    /// Whether a bearer credential looks like an API key rather than a JWT.
    public static func looksLikeKey(_ credential: String) -> Bool {
        credential.hasPrefix(prefix)
    }
}
