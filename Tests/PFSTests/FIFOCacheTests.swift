import Testing

@testable import PFS

/// The bounded cache of immutable values (tree nodes, finished commits) lets the oldest go first, by cost.
@Suite struct FIFOCacheTests {
    @Test func theOldestGoFirstUntilTheRestFitsTheCapacity() {
        let cache = FIFOCache<Int, String>(capacity: 10, cost: { $0.count })
        cache.put(1, "aaaa")
        cache.put(2, "bbbb")
        #expect(cache.get(1) == "aaaa" && cache.get(2) == "bbbb")
        cache.put(3, "cccccc")  // 14 > 10: the oldest goes
        #expect(cache.get(1) == nil)
        #expect(cache.get(2) == "bbbb" && cache.get(3) == "cccccc")
        cache.put(4, "dddddddddd")  // 10 alone: both others go
        #expect(cache.get(2) == nil && cache.get(3) == nil)
        #expect(cache.get(4) == "dddddddddd")
        cache.put(4, "again")  // already there: kept as it was
        #expect(cache.get(4) == "dddddddddd")
        cache.put(5, "too large for the cache")  // larger than the capacity: not kept, nothing evicted
        #expect(cache.get(5) == nil && cache.get(4) == "dddddddddd")
        cache.removeAll()
        #expect(cache.get(4) == nil)
    }

    @Test func aLongRunKeepsOnlyTheNewestThatFit() {
        let cache = FIFOCache<Int, Int>(capacity: 100)
        for i in 0..<5000 { cache.put(i, i) }
        #expect((0..<4900).allSatisfy { cache.get($0) == nil })
        #expect((4900..<5000).allSatisfy { cache.get($0) == $0 })
    }
}
