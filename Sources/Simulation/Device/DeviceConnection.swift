import ClickstreamSDK
import NIOCore

/// How one device reaches its collector: a transport for each app launch, and the device's
/// side of the link (a network drop or an offline window cuts it). Lives on the device's loop.
protocol DeviceConnection: AnyObject {
    /// The transport a newly launched app's SDK uses.
    func makeTransport(configuration: SDKConfiguration) -> any SDKTransport
    /// True while a connection is open.
    var isConnected: Bool { get }
    /// Cuts the open connection as a network failure would (the SDK sees a drop).
    func dropConnection()
}
