import Foundation
import Testing

@Suite struct AuthCLITests {
    @Test func activateTokensWhoAmIDeactivate() throws {
        let data = try temporaryDirectory("cli-auth")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let off = try pachs3(["auth", "whoami", "--token", "x"], data: data)
        #expect(off.status != 0 && off.stderr.contains("not activated"))
        let activated = try pachs3(["auth", "activate"], data: data)
        #expect(activated.status == 0)
        let root = activated.text.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(root.count == 64)
        #expect(try pachs3(["auth", "activate"], data: data).status != 0)
        #expect(try pachs3(["auth", "whoami", "--token", root], data: data).text == "pach:root\n")
        let robot = try pachs3(["auth", "get-token", "robot:ingest"], data: data).text.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(robot.count == 64 && robot != root)
        #expect(try pachs3(["auth", "whoami", "--token", robot], data: data).text == "robot:ingest\n")
        let bad = try pachs3(["auth", "whoami", "--token", String(repeating: "0", count: 64)], data: data)
        #expect(bad.status != 0 && bad.stderr.contains("not valid"))
        // Only the hash is stored: the token itself appears nowhere in the database.
        let db = try Data(contentsOf: URL(fileURLWithPath: data + "/meta.db"))
        let wal = (try? Data(contentsOf: URL(fileURLWithPath: data + "/meta.db-wal"))) ?? Data()
        #expect(db.range(of: Data(root.utf8)) == nil && wal.range(of: Data(root.utf8)) == nil)
        #expect(try pachs3(["auth", "deactivate"], data: data).status == 0)
        #expect(try pachs3(["auth", "whoami", "--token", root], data: data).status != 0)
    }
}
