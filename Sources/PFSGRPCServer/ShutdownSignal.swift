import Foundation

/// Fired when the server begins its graceful shutdown, so that RPCs that would otherwise never
/// end (SubscribeCommit, InspectCommit waiting) end and let the shutdown finish.
final class ShutdownSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var fired = false
    private var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]

    func fire() {
        lock.lock()
        fired = true
        let all = waiters.values
        waiters = [:]
        lock.unlock()
        for w in all { w.resume() }
    }

    /// Returns once fired, or when the task is cancelled.
    func wait() async {
        let id = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                lock.lock()
                if fired || Task.isCancelled {
                    lock.unlock()
                    c.resume()
                    return
                }
                waiters[id] = c
                lock.unlock()
            }
        } onCancel: {
            lock.lock()
            let c = waiters.removeValue(forKey: id)
            lock.unlock()
            c?.resume()
        }
    }

    /// The result of `body`, or nil if the shutdown began first (`body` is then cancelled).
    func unlessShutdown<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T? {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                await self.wait()
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}
