/// Cuts one page of a version listing (S3's ListObjectVersions) from a ``VersionCursor``.
enum VersionPager {
    /// The page of versions under `prefix` after (`keyMarker`, `versionMarker`): the rest of that key's
    /// versions after the one named by `versionMarker` when both are given, else keys after `keyMarker`.
    /// With a `delimiter`, keys that hold it after the prefix roll up into common prefixes, and a
    /// prefix holding `keyMarker` counts as listed. Versions and prefixes together are at most `limit`.
    static func page(
        _ cursor: inout some VersionCursor, prefix: String, keyMarker: String?, versionMarker: String?, delimiter: String?, limit: Int
    ) async throws -> VersionPage {
        let prefixBytes = Array(prefix.utf8)
        let marker = keyMarker.flatMap { $0.isEmpty ? nil : Key($0) }
        let versionMarker = marker == nil ? nil : versionMarker.flatMap { $0.isEmpty ? nil : $0 }
        let delim = delimiter.flatMap { $0.isEmpty ? nil : Array($0.utf8) }
        var start = Key(prefixBytes)
        if let marker, marker >= start { start = versionMarker == nil ? marker.immediateSuccessor : marker }
        try await cursor.seek(start)

        var page = VersionPage(versions: [], commonPrefixes: [], isTruncated: false, nextKeyMarker: nil, nextVersionMarker: nil)
        var count = 0
        while let k = cursor.key, k.hasPrefix(prefixBytes) {
            if let delim, let i = PFSEngine.find(delim, in: k.bytes, from: prefixBytes.count) {
                let cp = Array(k.bytes[..<(i + delim.count)])
                if marker?.hasPrefix(cp) != true {
                    if count == limit {
                        page.isTruncated = true
                        break
                    }
                    let s = String(decoding: cp, as: UTF8.self)
                    page.commonPrefixes.append(s)
                    (page.nextKeyMarker, page.nextVersionMarker) = (s, nil)
                    count += 1
                }
                guard let next = Key.successor(ofPrefix: cp) else { break }
                try await cursor.seek(next)
                continue
            }
            // Resuming inside the marker's key: skip its versions up to the marker's.
            var skipping = versionMarker != nil && k == marker
            var full = false
            try await cursor.versions { v in
                if skipping {
                    if v.commit.rawValue == versionMarker { skipping = false }
                    return true
                }
                if count == limit {
                    full = true
                    return false
                }
                page.versions.append(v)
                (page.nextKeyMarker, page.nextVersionMarker) = (v.path, v.commit.rawValue)
                count += 1
                return true
            }
            if full {
                page.isTruncated = true
                break
            }
            try await cursor.next()
        }
        if !page.isTruncated { (page.nextKeyMarker, page.nextVersionMarker) = (nil, nil) }
        return page
    }
}
