import Foundation
import Glibc

/// TLS for a test cluster's client URLs (`https://127.0.0.1:PORT`; peers stay plain http).
public struct EtcdClusterTLS: Sendable, Hashable {
    /// The server's PEM certificate and key (`--cert-file`, `--key-file`).
    public var certificate: CertificatePair
    /// When set, clients must present a certificate signed by this CA
    /// (`--client-cert-auth --trusted-ca-file`).
    public var clientCAFile: String?

    public init(certificate: CertificatePair, clientCAFile: String? = nil) {
        self.certificate = certificate
        self.clientCAFile = clientCAFile
    }

    /// The etcd flags.
    var arguments: [String] {
        var arguments = ["--cert-file", certificate.certificateFile, "--key-file", certificate.keyFile]
        if let clientCAFile { arguments += ["--client-cert-auth", "--trusted-ca-file", clientCAFile] }
        return arguments
    }
}

/// A PEM certificate and its unencrypted PEM key.
public struct CertificatePair: Sendable, Hashable {
    public var certificateFile: String
    public var keyFile: String
}

/// Throwaway certificates for one test, made with Debian's `openssl` in a folder under
/// `/tmp/swift-etcd-v2-tests` (swept like a cluster folder if the test process dies):
///
/// | file | signed by | subject alternative names | use |
/// |---|---|---|---|
/// | ``caFile`` | itself | — | the CA clients trust |
/// | ``otherCAFile`` | itself | — | an unrelated CA |
/// | ``server`` | CA | `IP:127.0.0.1`, `DNS:localhost` | a correct server certificate |
/// | ``wrongHostServer`` | CA | `DNS:wrong-host.invalid` | valid, but for another name |
/// | ``client`` | CA | `DNS:etcd-client` | a client certificate etcd accepts |
/// | ``otherClient`` | other CA | `DNS:etcd-client` | a client certificate etcd refuses |
///
/// ``caDirectory`` holds a copy of the CA, hashed by `openssl rehash` (for `CURLOPT_CAPATH`).
/// Keys are ECDSA P-256, certificates valid for two days.
public struct TestCertificates: Sendable {
    /// The folder holding every file.
    public let directory: String

    public var caFile: String { directory + "/ca.pem" }
    public var otherCAFile: String { directory + "/other-ca.pem" }
    public var caDirectory: String { directory + "/ca-dir" }
    public var server: CertificatePair { pair("server") }
    public var wrongHostServer: CertificatePair { pair("wrong-host") }
    public var client: CertificatePair { pair("client") }
    public var otherClient: CertificatePair { pair("other-client") }

    /// `openssl` (`OPENSSL_BINARY` from the environment if set, else `/usr/bin/openssl`).
    public static var opensslPath: String {
        if let path = ProcessInfo.processInfo.environment["OPENSSL_BINARY"], !path.isEmpty { return path }
        return "/usr/bin/openssl"
    }

    /// Makes a fresh CA, a second CA and the certificates above.
    ///
    /// - Parameter openssl: The `openssl` executable; defaults to ``opensslPath``.
    /// - Throws: ``EtcdHarnessError/toolMissing(path:install:)`` without `openssl`;
    ///   ``EtcdHarnessError/toolFailed(_:)`` with its output if it fails.
    public static func make(openssl: String = opensslPath) async throws -> TestCertificates {
        guard FileManager.default.isExecutableFile(atPath: openssl) else {
            throw EtcdHarnessError.toolMissing(
                path: openssl, install: "install Debian's openssl (apt-get install openssl, or run scripts/install-deps.sh)")
        }
        let unique = "certs-\(getpid())-\(String(UInt64.random(in: 0...UInt64.max), radix: 36))"
        let certificates = TestCertificates(directory: ProcessRegistry.root + "/" + unique)
        try ProcessRegistry.createClusterDirectory(certificates.directory)
        do {
            try await Blocking.run { try certificates.generate(with: openssl) }
        } catch {
            certificates.remove()
            throw error
        }
        return certificates
    }

    /// Deletes the folder.
    public func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func pair(_ name: String) -> CertificatePair {
        CertificatePair(certificateFile: directory + "/\(name).pem", keyFile: directory + "/\(name).key")
    }

    private func generate(with openssl: String) throws {
        let tool = OpenSSL(path: openssl, directory: directory)
        try tool.makeCA("ca", commonName: "swift-etcd-v2 test CA")
        try tool.makeCA("other-ca", commonName: "swift-etcd-v2 unrelated CA")
        try tool.makeLeaf("server", signedBy: "ca", names: "IP:127.0.0.1,DNS:localhost", usage: "serverAuth")
        try tool.makeLeaf("wrong-host", signedBy: "ca", names: "DNS:wrong-host.invalid", usage: "serverAuth")
        try tool.makeLeaf("client", signedBy: "ca", names: "DNS:etcd-client", usage: "clientAuth")
        try tool.makeLeaf("other-client", signedBy: "other-ca", names: "DNS:etcd-client", usage: "clientAuth")
        try FileManager.default.createDirectory(atPath: caDirectory, withIntermediateDirectories: false)
        try FileManager.default.copyItem(atPath: caFile, toPath: caDirectory + "/ca.pem")
        try tool.run(["rehash", caDirectory])
    }
}

/// Runs `openssl` in the certificates' folder, its output in `openssl.log` there.
private struct OpenSSL {
    var path: String
    var directory: String

    func makeCA(_ name: String, commonName: String) throws {
        try run([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
            "-subj", "/CN=\(commonName)", "-keyout", file("\(name).key"), "-out", file("\(name).pem"),
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ])
    }

    func makeLeaf(_ name: String, signedBy ca: String, names: String, usage: String) throws {
        try run([
            "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-subj", "/CN=\(name)", "-keyout", file("\(name).key"), "-out", file("\(name).csr"),
        ])
        let extensions = """
            subjectAltName=\(names)
            extendedKeyUsage=\(usage)
            basicConstraints=CA:FALSE
            keyUsage=critical,digitalSignature

            """
        try extensions.write(toFile: file("\(name).ext"), atomically: true, encoding: .utf8)
        let serial = "0x" + String(UInt64.random(in: 1...UInt64.max), radix: 16)
        try run([
            "x509", "-req", "-in", file("\(name).csr"), "-CA", file("\(ca).pem"), "-CAkey", file("\(ca).key"),
            "-set_serial", serial, "-days", "2", "-out", file("\(name).pem"), "-extfile", file("\(name).ext"),
        ])
    }

    /// Runs `openssl arguments…` and waits for it.
    func run(_ arguments: [String]) throws {
        let log = file("openssl.log")
        let pid = try ChildProcess.spawn(
            executable: path, arguments: arguments, environment: ProcessInfo.processInfo.environment, logPath: log)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        guard status == 0 else {
            let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw EtcdHarnessError.toolFailed(
                "openssl \(arguments.joined(separator: " ")) \(ChildProcess.describe(waitStatus: status)):\n\(output.suffix(2000))")
        }
    }

    private func file(_ name: String) -> String { directory + "/" + name }
}

/// Makes throwaway certificates, runs `body` with them, and deletes them afterwards (also
/// when `body` throws).
public func withTestCertificates<T: Sendable>(
    isolation: isolated (any Actor)? = #isolation,
    _ body: (TestCertificates) async throws -> T
) async throws -> T {
    let certificates = try await TestCertificates.make()
    defer { certificates.remove() }
    return try await body(certificates)
}
