extension PingReport {
    /// The report as `JSONEncoder` with `.sortedKeys` and `.withoutEscapingSlashes` writes it (nil
    /// fields left out), without `Encodable`'s containers.
    public func write(to json: inout JSONWriter) {
        var first = true
        json.raw("{")
        if let agent {
            json.key("agent", first: &first)
            json.string(agent)
        }
        if let category {
            json.key("category", first: &first)
            json.string(category.rawValue)
        }
        json.key("checks", first: &first)
        json.raw("[")
        for (index, check) in checks.enumerated() {
            if index > 0 { json.raw(",") }
            check.write(to: &json)
        }
        json.raw("]")
        json.key("dataPlane", first: &first)
        json.string(dataPlane)
        json.key("durationMs", first: &first)
        json.number(durationMs)
        if let hint {
            json.key("hint", first: &first)
            json.string(hint)
        }
        if let message {
            json.key("message", first: &first)
            json.string(message)
        }
        json.key("ok", first: &first)
        json.bool(ok)
        json.key("steps", first: &first)
        json.raw("[")
        for (index, step) in steps.enumerated() {
            if index > 0 { json.raw(",") }
            step.write(to: &json)
        }
        json.raw("]")
        if let target {
            json.key("target", first: &first)
            target.write(to: &json)
        }
        if let transient {
            json.key("transient", first: &first)
            json.bool(transient)
        }
        json.key("type", first: &first)
        json.string(type.rawValue)
        json.raw("}")
    }
}

extension PingStep {
    func write(to json: inout JSONWriter) {
        var first = true
        json.raw("{")
        if let detail {
            json.key("detail", first: &first)
            json.string(detail)
        }
        json.key("durationMs", first: &first)
        json.number(durationMs)
        if let hint {
            json.key("hint", first: &first)
            json.string(hint)
        }
        json.key("name", first: &first)
        json.string(name)
        json.key("status", first: &first)
        json.string(status.rawValue)
        json.raw("}")
    }
}

extension ReadinessCheck {
    func write(to json: inout JSONWriter) {
        var first = true
        json.raw("{")
        if let detail {
            json.key("detail", first: &first)
            json.string(detail)
        }
        if let fix {
            json.key("fix", first: &first)
            json.string(fix)
        }
        json.key("name", first: &first)
        json.string(name)
        json.key("observed", first: &first)
        json.string(observed)
        json.key("required", first: &first)
        json.string(required)
        if let restartRequired {
            json.key("restartRequired", first: &first)
            json.bool(restartRequired)
        }
        json.key("status", first: &first)
        json.string(status.rawValue)
        json.raw("}")
    }
}

extension PingTarget {
    func write(to json: inout JSONWriter) {
        var first = true
        json.raw("{")
        json.key("addresses", first: &first)
        json.raw("[")
        for (index, address) in addresses.enumerated() {
            if index > 0 { json.raw(",") }
            json.string(address)
        }
        json.raw("]")
        if let connectedAddress {
            json.key("connectedAddress", first: &first)
            json.string(connectedAddress)
        }
        json.key("host", first: &first)
        json.string(host)
        if let port {
            json.key("port", first: &first)
            json.number(port)
        }
        json.raw("}")
    }
}
