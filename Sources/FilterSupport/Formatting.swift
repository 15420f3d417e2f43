/// Numbers for people: J values span many orders of magnitude, so they print in scientific notation.
public func scientific(_ value: Double) -> String {
    guard value.isFinite else { return "\(value)" }
    guard value != 0 else { return "0" }
    let exponent = Int(log10(abs(value)).rounded(.down))
    let mantissa = value / pow(10, Double(exponent))
    return "\(((mantissa * 100).rounded() / 100))e\(exponent)"
}

import Foundation
