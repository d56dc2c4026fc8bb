import Foundation
import Synchronization
import Testing

@testable import PFS

/// The node cache reports what it lets go of, and the trimmer turns enough of it into one trim at a time.
@Suite struct HeapTrimmerTests {
    /// The trims a trimmer ran, by when they started.
    final class Trims: Sendable {
        private let starts = Mutex<[ContinuousClock.Instant]>([])
        var times: [ContinuousClock.Instant] { starts.withLock { $0 } }
        var count: Int { times.count }
        func record() { starts.withLock { $0.append(.now) } }

        /// Waits (up to 10 s) until `n` trims have run and `trimmer` has nothing scheduled or running.
        func waitFor(_ n: Int, _ trimmer: HeapTrimmer) async throws {
            let deadline = ContinuousClock.now + .seconds(10)
            while count < n || !trimmer.isIdle, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        }
    }

    @Test func trimsOnceEnoughWasReleasedAndNotBefore() async throws {
        let trims = Trims()
        let trimmer = HeapTrimmer(threshold: 1000, interval: .milliseconds(1)) { trims.record() }
        trimmer.released(600)
        try await Task.sleep(for: .milliseconds(50))
        #expect(trims.count == 0)
        trimmer.released(400)
        try await trims.waitFor(1, trimmer)
        #expect(trims.count == 1)
        // The count starts again after a trim.
        trimmer.released(999)
        try await Task.sleep(for: .milliseconds(50))
        #expect(trims.count == 1)
        trimmer.released(1)
        try await trims.waitFor(2, trimmer)
        #expect(trims.count == 2)
    }

    @Test func releasesWithinTheIntervalAreTrimmedTogetherAtItsEnd() async throws {
        let trims = Trims()
        let interval = Duration.milliseconds(300)
        let trimmer = HeapTrimmer(threshold: 10, interval: interval) { trims.record() }
        trimmer.released(10)
        try await trims.waitFor(1, trimmer)
        // A burst of releases, each enough for a trim on its own.
        let burstStart = ContinuousClock.now
        for _ in 0..<100 { trimmer.released(10) }
        let burst = ContinuousClock.now - burstStart
        try await trims.waitFor(2, trimmer)
        try await Task.sleep(for: interval + .milliseconds(100))
        let times = trims.times
        #expect(times.count >= 2)
        // No two trims closer than the interval, so the burst took one trim per interval it spanned, and one after.
        #expect(times.count <= 2 + Int(burst / interval) + 1)
        for (a, b) in zip(times, times.dropFirst()) { #expect(b - a >= interval) }
    }

    @Test func theCacheReportsWhatItEvicts() {
        let freed = Mutex<[Int]>([])
        let cache = FIFOCache<Int, String>(capacity: 10, cost: { $0.count }, evicted: { n in freed.withLock { $0.append(n) } })
        cache.put(1, "aaaa")
        cache.put(2, "bbbb")
        #expect(freed.withLock { $0 } == [])
        cache.put(3, "cccccc")  // 14 > 10: the oldest goes
        #expect(freed.withLock { $0 } == [4])
        #expect(cache.get(1) == nil)
        #expect(cache.get(2) == "bbbb")
        cache.put(4, "dddddddddd")  // 10 alone: both others go, in one report
        #expect(freed.withLock { $0 } == [4, 10])
        cache.put(4, "again")  // already there: nothing changes
        #expect(freed.withLock { $0 } == [4, 10])
        cache.removeAll()
        #expect(freed.withLock { $0 } == [4, 10, 10])
        #expect(cache.get(4) == nil)
    }
}
