import Foundation
import RunhooksCore
import RunhooksStore

extension TenantActor {
    /// Forgets the cached alert configurations after one was created, changed or deleted.
    public func alertsChanged() {
        alertConfigs = nil
    }

    /// Folds a finished run into every matching alert's state (persisted before any notice is
    /// sent) and hands the notices that are due to the notifier, without waiting for them.
    func runEnded(job: Job, succeeded: Bool, lastExecution: Execution, notifier: AlertNotifier) async throws {
        if alertConfigs == nil {
            let loaded = try await context.store.listAlerts(userId: userId)
            if alertConfigs == nil { alertConfigs = loaded }
        }
        if alertStates == nil {
            let loaded = try await context.store.alertStates(userId: userId)
            if alertStates == nil { alertStates = loaded }
        }
        let now = context.clock.now()
        var changed: [(key: AlertStateKey, state: AlertState)] = []
        var events: [AlertEvent] = []
        for alert in alertConfigs ?? [] where alert.enabled && (alert.jobId == nil || alert.jobId == job.id) {
            let key = AlertStateKey(alertId: alert.id, jobId: job.id)
            let before = alertStates?[key] ?? AlertState()
            var state = before
            let notice = state.record(
                runSucceeded: succeeded, threshold: alert.consecutiveFailuresThreshold,
                cooldownMinutes: alert.cooldownMinutes, at: now)
            guard state != before else { continue }
            alertStates?[key] = state
            changed.append((key, state))
            if let notice {
                events.append(
                    AlertEvent(
                        alert: alert, job: job, notice: notice, consecutiveFailures: before.consecutiveFailures + (succeeded ? 0 : 1),
                        lastExecution: lastExecution))
            }
        }
        for (key, state) in changed {
            try await context.store.saveAlertState(state, for: key)
        }
        for event in events { notifier.submit(event) }
    }
}
