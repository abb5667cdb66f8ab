import Foundation
import PreflightNetwork

/// The rules of MongoDB's "Initial DNS Seedlist Discovery" specification, applied to DNS answers. Pure.
public enum MongoSRV {
    /// The options a TXT record may set.
    public static let txtOptions = ["authSource", "replicaSet", "loadBalanced"]

    /// "_mongodb._tcp.cluster0.example.net"
    public static func queryName(for host: String, serviceName: String? = nil) -> String {
        "_\(serviceName ?? "mongodb")._tcp.\(host)"
    }

    /// The seed list from an SRV answer, every target checked against the SRV host's domain. Throws a
    /// sentence (for a `dns` failure) when there are no records or a record points outside the domain.
    public static func seeds(from answer: DNSMessage, srvHost: String, serviceName: String? = nil) throws(DNSError)
        -> [MongoHostAddress]
    {
        let name = queryName(for: srvHost, serviceName: serviceName)
        let records = answer.answers.compactMap { record -> DNSSRVRecord? in
            if case .srv(let srv) = record.data { return srv }
            return nil
        }
        guard !records.isEmpty else {
            if answer.responseCode == 3 {
                throw DNSError("\(name) does not exist (NXDOMAIN): \(srvHost) has no SRV records")
            }
            if answer.responseCode != 0 {
                throw DNSError(
                    "the DNS server answered \(DNSMessage.describe(responseCode: answer.responseCode)) for \(name)")
            }
            throw DNSError("\(name) has no SRV records")
        }
        let srvLabels = srvHost.lowercased().split(separator: ".")
        var seeds: [MongoHostAddress] = []
        for record in records {
            var target = record.target.lowercased()
            if target.hasSuffix(".") { target.removeLast() }
            let targetLabels = target.split(separator: ".")
            let domainOK: Bool
            if srvLabels.count >= 3 {
                // The target must share the SRV host's parent domain (all but its first label).
                let parent = srvLabels.dropFirst().joined(separator: ".")
                domainOK = target.hasSuffix("." + parent)
            } else {
                // Fewer than three labels: the target must be a sub-domain of the SRV host itself.
                domainOK =
                    target.hasSuffix("." + srvLabels.joined(separator: ".")) && targetLabels.count > srvLabels.count
            }
            guard domainOK else {
                throw DNSError(
                    "the SRV record for \(srvHost) points to \(target.prefix(100)), which is not in \(srvHost)'s domain; MongoDB drivers refuse such records"
                )
            }
            guard record.port > 0 else { throw DNSError("the SRV record for \(srvHost) has port 0") }
            let seed = MongoHostAddress(host: target, port: Int(record.port))
            if !seeds.contains(seed) { seeds.append(seed) }
        }
        return seeds
    }

    /// The options of the TXT record (nil when there is none). More than one record, or an option other
    /// than authSource, replicaSet and loadBalanced, is an error.
    public static func options(from answer: DNSMessage, srvHost: String) throws(DNSError) -> [String: String] {
        let records = answer.answers.compactMap { record -> [[UInt8]]? in
            if case .txt(let strings) = record.data { return strings }
            return nil
        }
        guard !records.isEmpty else { return [:] }
        guard records.count == 1 else {
            throw DNSError("\(srvHost) has \(records.count) TXT records; MongoDB allows at most one")
        }
        let text = String(decoding: records[0].joined(), as: UTF8.self)
        var options: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw DNSError("the TXT record of \(srvHost) is not a list of key=value options")
            }
            guard let key = txtOptions.first(where: { $0.caseInsensitiveCompare(parts[0]) == .orderedSame }) else {
                throw DNSError(
                    "the TXT record of \(srvHost) sets \(parts[0].prefix(40)); only authSource, replicaSet and loadBalanced are allowed there"
                )
            }
            guard let value = try? MongoConnectionString.percentDecode(parts[1]) else {
                throw DNSError("the TXT record of \(srvHost) has a malformed percent-encoding")
            }
            if key == "loadBalanced" && !["true", "false"].contains(value.lowercased()) {
                throw DNSError("the TXT record of \(srvHost) sets loadBalanced to something other than true or false")
            }
            options[key] = value
        }
        return options
    }
}
