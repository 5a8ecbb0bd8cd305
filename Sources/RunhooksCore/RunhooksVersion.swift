/// The release this build is: reported by `runhooks --version`, `/api/v1/health` and the
/// `User-Agent` of every request Runhooks sends.
public enum RunhooksVersion {
    public static let current = "0.1.0"
}
