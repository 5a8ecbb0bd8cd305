import Foundation
import RunhooksCore

public struct PageRequest: Sendable, Equatable {
    public static let maxLimit = 100
    public static let pages = 1...1_000_000
    public var page: Int
    public var limit: Int

    public init(page: Int = 1, limit: Int = 20) {
        self.page = page
        self.limit = limit
    }

    public var offset: Int { (page - 1) * limit }
}

public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var total: Int
    public var page: Int
    public var limit: Int

    public init(items: [Item], total: Int, request: PageRequest) {
        self.items = items
        self.total = total
        self.page = request.page
        self.limit = request.limit
    }

    public var totalPages: Int { total == 0 ? 0 : (total + limit - 1) / limit }
}

public struct JobFilter: Sendable, Equatable {
    public var status: Job.Status?
    public var tag: String?
    /// A case-insensitive regular expression matched against the job name.
    public var namePattern: String?

    public init(status: Job.Status? = nil, tag: String? = nil, namePattern: String? = nil) {
        self.status = status
        self.tag = tag
        self.namePattern = namePattern
    }
}

public struct ExecutionFilter: Sendable, Equatable {
    public var status: Execution.Status?
    public var jobId: String?

    public init(status: Execution.Status? = nil, jobId: String? = nil) {
        self.status = status
        self.jobId = jobId
    }
}

/// An account as an operator lists it: the user and how many jobs it has.
public struct AccountSummary: Sendable, Equatable {
    public var user: User
    public var jobs: Int

    public init(user: User, jobs: Int) {
        self.user = user
        self.jobs = jobs
    }
}

public struct RefreshTokenRecord: Sendable, Equatable {
    public var id: String
    public var userId: String
    /// All tokens rotated from one login share a family; reuse of any revokes the family.
    public var family: String
    public var expiresAt: Date
    public var createdAt: Date

    public init(id: String, userId: String, family: String, expiresAt: Date, createdAt: Date) {
        self.id = id
        self.userId = userId
        self.family = family
        self.expiresAt = expiresAt
        self.createdAt = createdAt
    }
}

public enum RefreshTokenUse: Sendable, Equatable {
    /// Unused until now: this use marked it used.
    case valid(userId: String, family: String)
    /// Used before, first at `usedAt`, and its family not revoked.
    case usedBefore(userId: String, family: String, usedAt: Date)
    /// Its family was revoked.
    case reused(family: String)
    case expired
    case unknown
}

/// A run asked for through the API: a replay of an execution, or "run now" for a job.
public struct ReplayRequest: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case replay, trigger
    }

    public var id: String
    public var userId: String
    public var jobId: String
    public var kind: Kind
    /// The execution replayed (nil for a trigger).
    public var executionId: String?
    public var requestedAt: Date

    public init(id: String, userId: String, jobId: String, kind: Kind = .replay, executionId: String?, requestedAt: Date) {
        self.id = id
        self.userId = userId
        self.jobId = jobId
        self.kind = kind
        self.executionId = executionId
        self.requestedAt = requestedAt
    }
}

public struct RunCounts: Sendable, Equatable {
    public var daily: Int
    public var monthly: Int

    public init(daily: Int, monthly: Int) {
        self.daily = daily
        self.monthly = monthly
    }

}

/// A period a user's runs are counted in: a UTC day or a UTC month.
public enum UsagePeriod: Hashable, Sendable {
    case day(year: Int, month: Int, day: Int)
    case month(year: Int, month: Int)

    public static func day(of date: Date) -> UsagePeriod {
        let civil = date.utcCivilDate
        return .day(year: civil.year, month: civil.month, day: civil.day)
    }

    public static func month(of date: Date) -> UsagePeriod {
        let civil = date.utcCivilDate
        return .month(year: civil.year, month: civil.month)
    }

    /// The stored form, the `period` column of `usage_counters`.
    var key: String {
        switch self {
        case .day(let year, let month, let day): "d:\(year)-\(month)-\(day)"
        case .month(let year, let month): "m:\(year)-\(month)"
        }
    }

    /// The period a stored `key` names; nil for anything else.
    init?(key: String) {
        let fields = key.dropFirst(2).split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
        guard !fields.contains(nil) else { return nil }
        let numbers = fields.compactMap { $0 }
        switch (key.prefix(2), numbers.count) {
        case ("d:", 3): self = .day(year: numbers[0], month: numbers[1], day: numbers[2])
        case ("m:", 2): self = .month(year: numbers[0], month: numbers[1])
        default: return nil
        }
    }

    /// Whether the whole period lies before the UTC day or month that holds `date`: a day
    /// before that day, a month before that month.
    func isOver(before date: Date) -> Bool {
        let civil = date.utcCivilDate
        switch self {
        case .day(let year, let month, let day): return (year, month, day) < (civil.year, civil.month, civil.day)
        case .month(let year, let month): return (year, month) < (civil.year, civil.month)
        }
    }
}
