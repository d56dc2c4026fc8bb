import PFSMount
import Testing

@Suite struct MountOptionsTests {
    @Test func parsesWhatFstabPasses() throws {
        let o = try MountOptions(parsing: "rw,_netdev,allow_other,commit=unmount,cache_dir=/var/cache/p,token_file=/etc/p.token,tls_ca=/etc/p-ca.pem,noauto,x-systemd.automount")
        #expect(!o.readOnly)
        #expect(o.allowOther)
        #expect(o.commitPolicy == .unmount)
        #expect(o.cacheDirectory == "/var/cache/p")
        #expect(o.tokenFile == "/etc/p.token")
        #expect(o.trustedCertificates == "/etc/p-ca.pem")
        #expect(try MountOptions(parsing: "ro").readOnly)
        #expect(try MountOptions(parsing: "") == MountOptions())
    }

    @Test(arguments: ["bogus", "commit=sometimes", "commit=", "cache_dir", "ro=1", "allow_other=yes", "tls_ca="])
    func rejectsWithAClearMessage(_ text: String) {
        #expect(throws: MountError.self) { try MountOptions(parsing: text) }
    }
}
