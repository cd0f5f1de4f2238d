import ArgumentParser
import FedTwinWire

/// `fedtwin keygen`: makes an identity for a site or a coordinator.
struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate an Ed25519 identity: NAME.key (private, mode 0600), NAME.pub, and NAME.crt for TLS.",
        discussion: """
            Prints the key's fingerprint. Give NAME.pub and the fingerprint to the consortium \
            operator for enrolment; keep NAME.key on the site. Existing files are never overwritten.
            """
    )

    @Option(help: "Identity name, e.g. site-a or coordinator: 1–63 lower-case ASCII letters, digits, '.', '_' and '-', starting with a letter or digit.")
    var name: String

    @Option(help: "Directory to write the key files into (created if missing).")
    var out: String = "."

    func run() throws {
        // The name becomes file names and the certificate's subject, and for a site it is
        // the name it will be enrolled under: the same safe set as enrolment.
        if let problem = SiteName.problem(name) {
            throw ValidationError("--name \(name.debugDescription): \(problem)")
        }
        try FileSystem.makeDirectory(out)
        let key = try SigningKey.generate()
        let privatePath = "\(out)/\(name).key"
        let publicPath = "\(out)/\(name).pub"
        try KeyFile.writePrivateKey(key, to: privatePath)
        try KeyFile.writePublicKey(key.publicKey, to: publicPath)
        // A self-signed certificate that carries the key through TLS handshakes; trust comes
        // from pinning the fingerprint, so adding a site never re-issues anything.
        let certificatePath = "\(out)/\(name).crt"
        try FileSystem.writeNew(Array(try Certificate.selfSigned(for: key, name: name).pemRepresentation.utf8), to: certificatePath)
        print("private key: \(privatePath) (mode 0600)")
        print("public key:  \(publicPath)")
        print("certificate: \(certificatePath) (self-signed, for TLS; valid 10 years)")
        print("fingerprint: \(key.publicKey.fingerprint.short)  (full: \(key.publicKey.fingerprint.hex))")
    }
}
