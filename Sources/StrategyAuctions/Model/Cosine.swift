import Foundation

/// Cosine similarity of two feature vectors (0 when either is zero).
@inline(__always)
public func cosine(_ a: [Double], _ b: [Double]) -> Double {
    var dot = 0.0, na = 0.0, nb = 0.0
    for k in a.indices { dot += a[k] * b[k]; na += a[k] * a[k]; nb += b[k] * b[k] }
    return na > 0 && nb > 0 ? dot / (na * nb).squareRoot() : 0
}
