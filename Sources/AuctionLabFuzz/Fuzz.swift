import Foundation
import FuzzHarness

// Two builds of one file:
// - `Scripts/fuzz` builds it with `-sanitize=fuzzer,address -D FUZZING`: libFuzzer calls
//   `LLVMFuzzerTestOneInput` and owns `main`; the format comes from AUCTIONLAB_FUZZ_TARGET.
// - an ordinary build gives `auctionlab-fuzz FORMAT FILE…`, which replays inputs (a corpus, a
//   reproducer) through the same contract and exits non-zero on a violation.

#if FUZZING
private let format = FuzzContract.Format(rawValue: ProcessInfo.processInfo.environment["AUCTIONLAB_FUZZ_TARGET"] ?? "") ?? {
    fatalError("set AUCTIONLAB_FUZZ_TARGET to one of \(FuzzContract.Format.allCases.map(\.rawValue))")
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ bytes: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    do { try FuzzContract.check(Data(bytes: bytes, count: size), as: format) } catch {
        fatalError("contract violated: \(error)")
    }
    return 0
}
#else
@main
struct Replay {
    static func main() {
        let args = CommandLine.arguments.dropFirst()
        guard let name = args.first, let format = FuzzContract.Format(rawValue: name) else {
            FileHandle.standardError.write(Data("usage: auctionlab-fuzz \(FuzzContract.Format.allCases.map(\.rawValue).joined(separator: "|")) FILE…\n".utf8))
            exit(2)
        }
        var failures = 0
        for path in args.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            do { try FuzzContract.check(data, as: format) } catch {
                failures += 1
                FileHandle.standardError.write(Data("\(path): \(error)\n".utf8))
            }
        }
        exit(failures == 0 ? 0 : 1)
    }
}
#endif
