import Foundation
import PreflightCore

/// Payloads for leak checks across every type: each secret key of a type's description gets a planted
/// value, the other keys plausible values aimed at a closed port on this machine (tests dial nothing
/// else).
public enum PlantedSecrets {
    /// The ping body for `description` and the values planted in it.
    public static func payload(for description: ConnectorDescription, port: Int) -> (json: String, secrets: [String]) {
        var config: [String: JSONValue] = [:]
        var secrets: [String] = []
        let type = description.type
        for key in description.keys {
            // keyspaces takes AWS keys or service-specific credentials, not both: plant the AWS secret.
            if type == .keyspaces, key.name == "password" { continue }
            if Redactor.isSecretKey(key.name) || key.kind == .secret {
                let value = planted(type, key.name)
                config[key.name] = .string(value)
                secrets.append(value)
            } else if key.name == "host", type == .mongodb || type == .documentdb {
                // A connection string carrying a password of its own.
                let value = planted(type, "uri")
                config["host"] = .string("mongodb://artie:\(value)@127.0.0.1:\(port)/app")
                secrets.append(value)
            } else if let value = plausible(key, port: port) {
                config[key.name] = value
            }
        }
        var body: [String: JSONValue] = ["type": .string(type.rawValue), "sharedConfig": .object(config)]
        // Oracle needs a service name (or a SID) to get past validation and dial.
        if type == .oracle { body["defaultDatabase"] = .string("FREEPDB1") }
        let json = String(decoding: (try? JSONEncoder().encode(body)) ?? Data(), as: UTF8.self)
        return (json, secrets)
    }

    /// A planted value: `/`, `+`, `=`, a quote and non-ASCII, so every encoding differs from it.
    public static func planted(_ type: ConnectorType, _ key: String) -> String {
        "Pl4nted/\(type.rawValue).\(key)+=\"é-Secret"
    }

    /// A value for a non-secret key that lets validation get as far as it can.
    static func plausible(_ key: ConnectorKey, port: Int) -> JSONValue? {
        switch key.name {
        case "endpoint", "accountIdentifier": return .string("127.0.0.1:\(port)")
        case "awsRegion", "region": return .string("us-east-1")
        case "awsAccessKeyID": return .string("AKIAIOSFODNN7EXAMPLE")
        default: break
        }
        if let value = key.defaultValue { return .string(value) }
        switch key.kind {
        case .host: return .string("127.0.0.1")
        case .port: return .number(Double(port))
        case .url: return .string("https://127.0.0.1:\(port)")
        case .list: return .string("127.0.0.1:\(port)")
        case .boolean: return .bool(false)
        case .choice: return key.choices.first.map(JSONValue.string)
        case .integer: return .number(0)
        case .string: return key.required ? .string("preflight-test") : nil
        case .secret, .pem, .json: return nil
        }
    }
}
