import RaccoonWire
import SwiftProtobuf

/// An event's `attributes`: a YAML mapping turned into the contract's protobuf JSON and checked by
/// decoding it as that contract.
extension ScenarioParser {
    /// Fields the app sets on every event itself.
    static let appSetFields: Set<String> = ["event_guid", "eventGuid", "event_timestamp", "eventTimestamp"]
    static let maximumAttributeDepth = 32
    /// Bounds the work on aliases that repeat a subtree many times ("billion laughs").
    static let maximumAttributeValues = 10_000
    private static let takesText = "it takes a text"

    mutating func attributesJSON(_ value: YAMLValue, contract: any EventContract.Type) -> String? {
        guard let entries = entries(value) else { return nil }
        attributeValuesLeft = Self.maximumAttributeValues
        var members: [String] = []
        var valid = true
        for entry in entries {
            guard !Self.appSetFields.contains(entry.name) else {
                fail(entry.key, "\(entry.name) is set by the app for every event; remove it")
                valid = false
                continue
            }
            guard let json = json(entry.value, depth: 1) else {
                valid = false
                continue
            }
            let member = Self.jsonString(entry.name) + ":" + json
            if let problem = Self.decodingProblem(contract, json: "{" + member + "}") {
                let field = "\(contract.contractName).\(entry.name)"
                switch problem {
                case .unknownField:
                    fail(entry.key, "\(contract.contractName) has no field '\(entry.name)'")
                case .badValue(let reason):
                    var message = "\(field) cannot take \(entry.value.kindDescription): \(reason)"
                    if reason == Self.takesText, entry.value.isPlain { message += " (put it in quotes)" }
                    fail(entry.value, message)
                }
                valid = false
                continue
            }
            members.append(member)
        }
        guard valid else { return nil }
        let whole = "{" + members.joined(separator: ",") + "}"
        if let problem = Self.decodingProblem(contract, json: whole) {
            switch problem {
            case .unknownField(let name): fail(value, "\(contract.contractName) has no field '\(name)'")
            case .badValue(let reason): fail(value, "not a valid \(contract.contractName): \(reason)")
            }
            return nil
        }
        return whole
    }

    /// The value as JSON text: plain YAML scalars that read as null, booleans or numbers become
    /// those, everything else a string.
    private mutating func json(_ value: YAMLValue, depth: Int) -> String? {
        attributeValuesLeft -= 1
        guard attributeValuesLeft >= 0 else {
            if attributeValuesLeft == -1 {
                fail(value, "attributes have more than \(Self.maximumAttributeValues) values")
            }
            return nil
        }
        guard depth <= Self.maximumAttributeDepth else {
            fail(value, "attributes nest deeper than \(Self.maximumAttributeDepth) levels")
            return nil
        }
        switch value.node {
        case .mapping:
            guard let entries = entries(value) else { return nil }
            var members: [String] = []
            for entry in entries {
                guard let json = json(entry.value, depth: depth + 1) else { return nil }
                members.append(Self.jsonString(entry.name) + ":" + json)
            }
            return "{" + members.joined(separator: ",") + "}"
        case .sequence(let sequence):
            var items: [String] = []
            for (index, node) in sequence.enumerated() {
                guard let json = json(value.item(index, node: node), depth: depth + 1) else { return nil }
                items.append(json)
            }
            return "[" + items.joined(separator: ",") + "]"
        case .alias:
            fail(value, "aliases are not supported in attributes")
            return nil
        case .scalar(let scalar):
            let text = scalar.string
            guard value.isPlain else { return Self.jsonString(text) }
            if value.isNull { return "null" }
            if let bool = value.boolValue { return bool ? "true" : "false" }
            if Self.isJSONInteger(text) { return text }
            if Self.looksNumeric(text), let number = Double(text), number.isFinite { return "\(number)" }
            return Self.jsonString(text)
        }
    }

    private enum DecodingProblem {
        case unknownField(String)
        case badValue(String)
    }

    private static func decodingProblem(_ contract: any EventContract.Type, json: String) -> DecodingProblem? {
        do {
            _ = try contract.init(jsonString: json)
            return nil
        } catch let error as JSONDecodingError {
            switch error {
            case .unknownField(let name): return .unknownField(name)
            case .malformedNumber: return .badValue("it takes a number")
            case .numberRange: return .badValue("the number is out of the field's range")
            case .malformedString: return .badValue(takesText)
            case .malformedBool: return .badValue("it takes true or false")
            case .unrecognizedEnumValue: return .badValue("it is not one of the field's enum values")
            case .conflictingOneOf: return .badValue("two fields of the same oneof are set")
            default: return .badValue("\(error)")
            }
        } catch {
            return .badValue("\(error)")
        }
    }

    /// `-?(0|[1-9][0-9]*)`: written as is (any size; protobuf checks the range).
    private static func isJSONInteger(_ text: String) -> Bool {
        let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
        return digits == "0" || !digits.hasPrefix("0")
    }

    /// Digits with an optional sign, point and exponent (not `inf`, `nan` or hex).
    private static func looksNumeric(_ text: String) -> Bool {
        text.contains(where: { $0.isNumber }) && text.allSatisfy { "0123456789+-.eE".contains($0) }
    }

    static func jsonString(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }
}
