import Foundation
import Synchronization
import Testing

@testable import PFS

/// The node cache reports what it lets go of, and the trimmer turns enough of it into one trim at a time.
@Suite struct HeapTrimmerTests {
    final class Trims: Sendable {
        private let count = Atomic<Int>(0)
        var value: Int { count.load(ordering: .relaxed) }
        func add() { count.add(1, ordering: .relaxed) }

        /// Waits (up to 5 s) until `n` trims have run.
        func waitFor(_ n: Int) async throws {
            let deadline = ContinuousClock.now + .seconds(5)
            while value < n, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        }
    }

    @Test func trimsOnceEnoughWasReleasedAndNotBefore() async throws {
        let trims = Trims()
        let trimmer = HeapTrimmer(threshold: 1000, interval: .milliseconds(1)) { trims.add() }
        trimmer.released(600)
        try await Task.sleep(for: .milliseconds(50))
        #expect(trims.value == 0)
        trimmer.released(400)
        try await trims.waitFor(1)
        #expect(trims.value == 1)
        // The count starts again after a trim.
        trimmer.released(999)
        try await Task.sleep(for: .milliseconds(50))
        #expect(trims.value == 1)
        trimmer.released(1)
        try await trims.waitFor(2)
        #expect(trims.value == 2)
    }

    @Test func releasesWithinTheIntervalAreTrimmedOnceAtItsEnd() async throws {
        let trims = Trims()
        let trimmer = HeapTrimmer(threshold: 10, interval: .milliseconds(400)) { trims.add() }
        let start = ContinuousClock.now
        trimmer.released(10)
        try await trims.waitFor(1)
        // Many releases right after the first trim: one more trim, not before the interval has passed.
        for _ in 0..<100 { trimmer.released(10) }
        try await trims.waitFor(2)
        #expect(trims.value == 2)
        #expect(ContinuousClock.now - start >= .milliseconds(400))
        try await Task.sleep(for: .milliseconds(100))
        #expect(trims.value == 2)
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
