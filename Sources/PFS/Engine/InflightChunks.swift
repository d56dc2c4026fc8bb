import Synchronization

/// Chunks that writers have stored or reused but not yet committed; garbage collection keeps them.
final class InflightChunks: Sendable {
    private struct State {
        var counts: [Digest: Int] = [:]
        /// For each running garbage collection: every chunk in flight at its start or added since.
        var watches: [Int: Set<Digest>] = [:]
        var nextWatch = 0
    }

    private let state = Mutex(State())

    func add(_ ds: some Sequence<Digest>) {
        state.withLock { s in
            for d in ds {
                s.counts[d, default: 0] += 1
                for w in Array(s.watches.keys) { s.watches[w]!.insert(d) }
            }
        }
    }

    func remove(_ ds: some Sequence<Digest>) {
        state.withLock { s in
            for d in ds {
                if let n = s.counts[d], n > 1 { s.counts[d] = n - 1 } else { s.counts[d] = nil }
            }
        }
    }

    /// Starts recording every chunk that is in flight now or is added until ``endWatch(_:)``, whether or
    /// not it has been removed meanwhile: a collection keeps them all, without relying on blob timestamps.
    func beginWatch() -> Int {
        state.withLock { s in
            let w = s.nextWatch
            s.nextWatch += 1
            s.watches[w] = Set(s.counts.keys)
            return w
        }
    }

    /// Whether `digest` was in flight at any time since ``beginWatch()`` returned `watch`.
    func wasInFlight(_ digest: Digest, since watch: Int) -> Bool {
        state.withLock { $0.watches[watch]?.contains(digest) ?? false }
    }

    func endWatch(_ watch: Int) {
        _ = state.withLock { $0.watches.removeValue(forKey: watch) }
    }
}
