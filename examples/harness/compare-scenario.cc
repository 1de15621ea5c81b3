/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "compare-scenario.h"

#include "ns3/resoa-helper.h"

#include "ns3/access-network-helper.h"
#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/data-frame-error-model.h"
#include "ns3/gilbert-elliott-error-model.h"
#include "ns3/internet-module.h"
#include "ns3/napt-helper.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-helper.h"
#include "ns3/wifi-association-monitor.h"
#include "ns3/wifi-module.h"

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <tuple>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("CompareScenario");

namespace
{

/// Traffic starts here: after association and ReSoA registration.
const Time kStart = Seconds(1.0);
const uint16_t kBasePort = 9000;

/// Counts TCP data segments a node sends again (sequence below the highest already sent).
class TcpRetxCounter
{
  public:
    void Tx(Ptr<const Packet> packet, Ptr<Ipv4>, uint32_t)
    {
        Ptr<Packet> p = packet->Copy();
        Ipv4Header ip;
        p->RemoveHeader(ip);
        if (ip.GetProtocol() != 6)
        {
            return;
        }
        TcpHeader tcp;
        p->RemoveHeader(tcp);
        if (p->GetSize() == 0)
        {
            return;
        }
        auto key = std::make_tuple(ip.GetSource().Get(),
                                   ip.GetDestination().Get(),
                                   tcp.GetSourcePort(),
                                   tcp.GetDestinationPort());
        SequenceNumber32 end = tcp.GetSequenceNumber() + p->GetSize();
        auto it = m_highest.find(key);
        if (it != m_highest.end() && tcp.GetSequenceNumber() < it->second)
        {
            ++m_retx;
        }
        if (it == m_highest.end() || end > it->second)
        {
            m_highest[key] = end;
        }
    }

    uint64_t Get() const
    {
        return m_retx;
    }

  private:
    std::map<std::tuple<uint32_t, uint32_t, uint16_t, uint16_t>, SequenceNumber32> m_highest;
    uint64_t m_retx = 0;
};

/// Short flows one after another from one client: size ~ exp(mean), think ~ exp(0.2 s).
class WebClient
{
  public:
    WebClient(Ptr<Node> node, Address sink, uint64_t meanBytes, std::vector<double>* fcts)
        : m_node(node)
        , m_sink(sink)
        , m_fcts(fcts)
    {
        m_size = CreateObject<ExponentialRandomVariable>();
        m_size->SetAttribute("Mean", DoubleValue(double(meanBytes)));
        m_think = CreateObject<ExponentialRandomVariable>();
        m_think->SetAttribute("Mean", DoubleValue(0.2));
    }

    void StartFlow()
    {
        m_flowBytes = std::max<uint64_t>(1000, uint64_t(m_size->GetValue()));
        m_target += m_flowBytes;
        m_queued = 0;
        m_flowStart = Simulator::Now();
        m_socket = Socket::CreateSocket(m_node, TcpSocketFactory::GetTypeId());
        m_socket->SetConnectCallback(Callback<void, Ptr<Socket>>([this](Ptr<Socket>) { Fill(); }),
                                     MakeNullCallback<void, Ptr<Socket>>());
        m_socket->SetSendCallback(
            Callback<void, Ptr<Socket>, uint32_t>([this](Ptr<Socket>, uint32_t) { Fill(); }));
        m_socket->Bind();
        m_socket->Connect(m_sink);
    }

    /// The host's sink for this client received `n` more bytes.
    void Received(uint64_t n)
    {
        m_received += n;
        if (m_flowBytes != 0 && m_received >= m_target)
        {
            m_fcts->push_back((Simulator::Now() - m_flowStart).GetSeconds());
            m_flowBytes = 0;
            Simulator::Schedule(Seconds(m_think->GetValue()), &WebClient::StartFlow, this);
        }
    }

  private:
    void Fill()
    {
        uint8_t buf[1448] = {};
        while (m_queued < m_flowBytes && m_socket)
        {
            uint32_t n = std::min<uint64_t>(sizeof(buf), m_flowBytes - m_queued);
            if (m_socket->GetTxAvailable() < n || m_socket->Send(buf, n, 0) <= 0)
            {
                return;
            }
            m_queued += n;
        }
        if (m_socket)
        {
            m_socket->Close();
            m_socket = nullptr;
        }
    }

    Ptr<Node> m_node;
    Address m_sink;
    std::vector<double>* m_fcts;
    Ptr<ExponentialRandomVariable> m_size;
    Ptr<ExponentialRandomVariable> m_think;
    Ptr<Socket> m_socket;
    uint64_t m_flowBytes = 0;
    uint64_t m_queued = 0;
    uint64_t m_target = 0;
    uint64_t m_received = 0;
    Time m_flowStart;
};

/// The host side of a download: accepts connections and streams `bytes` (0 = no end) to each.
class DownloadServer
{
  public:
    DownloadServer(Ptr<Node> host, uint16_t port, uint64_t bytes)
        : m_bytes(bytes)
    {
        m_listener = Socket::CreateSocket(host, TcpSocketFactory::GetTypeId());
        m_listener->Bind(InetSocketAddress(Ipv4Address::GetAny(), port));
        m_listener->Listen();
        m_listener->SetAcceptCallback(MakeNullCallback<bool, Ptr<Socket>, const Address&>(),
                                      Callback<void, Ptr<Socket>, const Address&>(
                                          [this](Ptr<Socket> s, const Address&)
                                          {
                                              m_conn = s;
                                              s->SetSendCallback(
                                                  Callback<void, Ptr<Socket>, uint32_t>(
                                                      [this](Ptr<Socket>, uint32_t) { Fill(); }));
                                              Fill();
                                          }));
    }

  private:
    void Fill()
    {
        uint8_t buf[1448] = {};
        while (m_conn && (m_bytes == 0 || m_sent < m_bytes))
        {
            uint32_t n =
                m_bytes == 0 ? sizeof(buf) : std::min<uint64_t>(sizeof(buf), m_bytes - m_sent);
            if (m_conn->GetTxAvailable() < n || m_conn->Send(buf, n, 0) <= 0)
            {
                return;
            }
            m_sent += n;
        }
        if (m_conn)
        {
            m_conn->Close();
            m_conn = nullptr;
        }
    }

    uint64_t m_bytes;
    uint64_t m_sent = 0;
    Ptr<Socket> m_listener;
    Ptr<Socket> m_conn;
};

/// The client side of a download: connects (client-initiated, so it works through NAT) and
/// reads everything, counting bytes.
class DownloadClient
{
  public:
    DownloadClient(Ptr<Node> node, Address server, std::function<void(uint64_t)> onRx)
        : m_node(node)
        , m_server(server)
        , m_onRx(std::move(onRx))
    {
    }

    void Start()
    {
        m_socket = Socket::CreateSocket(m_node, TcpSocketFactory::GetTypeId());
        m_socket->SetRecvCallback(Callback<void, Ptr<Socket>>(
            [this](Ptr<Socket> s)
            {
                while (Ptr<Packet> p = s->Recv())
                {
                    if (p->GetSize() == 0)
                    {
                        break;
                    }
                    m_received += p->GetSize();
                    m_onRx(m_received);
                }
            }));
        m_socket->Bind();
        m_socket->Connect(m_server);
    }

    uint64_t Received() const
    {
        return m_received;
    }

  private:
    Ptr<Node> m_node;
    Address m_server;
    std::function<void(uint64_t)> m_onRx;
    Ptr<Socket> m_socket;
    uint64_t m_received = 0;
};

void
ApplyTcpDefaults(const CompareConfig& c)
{
    Config::SetDefault("ns3::TcpL4Protocol::SocketType",
                       TypeIdValue(TypeId::LookupByName("ns3::Tcp" + c.tcp)));
    Config::SetDefault("ns3::TcpSocketBase::MinRto", TimeValue(MilliSeconds(c.minRtoMs)));
    Config::SetDefault("ns3::TcpSocket::SegmentSize", UintegerValue(1448));
    // Buffers above the path's bandwidth-delay product (30 Mbit/s x 300 ms = 1.1 MB), so no
    // system is window-limited. Not larger: with 4 MiB, ns-3 3.37's TCP sender crashed
    // (TcpRateLinux::SkbSent) in ReSoA downloads once the server's receive window had closed.
    Config::SetDefault("ns3::TcpSocket::SndBufSize", UintegerValue(2 << 20));
    Config::SetDefault("ns3::TcpSocket::RcvBufSize", UintegerValue(2 << 20));
}

/// The wireless hop's loss: i.i.d. and/or Gilbert–Elliott fades on data frames and ACKs;
/// management frames are protected so a loss study never becomes an association outage.
void
ConfigureLoss(const CompareConfig& c, LossyWifiHelper& wifi)
{
    if (c.frameLoss <= 0 && c.burstBadMs <= 0)
    {
        return;
    }
    Ptr<ErrorModel> inner;
    if (c.burstBadMs > 0)
    {
        Ptr<GilbertElliottErrorModel> ge = CreateObject<GilbertElliottErrorModel>();
        ge->SetAttribute("MeanGoodDuration", TimeValue(MilliSeconds(c.burstGoodMs)));
        ge->SetAttribute("MeanBadDuration", TimeValue(MilliSeconds(c.burstBadMs)));
        ge->SetAttribute("GoodLossProbability", DoubleValue(c.frameLoss));
        ge->SetAttribute("BadLossProbability", DoubleValue(1.0));
        inner = ge;
    }
    else
    {
        Ptr<RateErrorModel> rate = CreateObject<RateErrorModel>();
        rate->SetAttribute("ErrorUnit", EnumValue(RateErrorModel::ERROR_UNIT_PACKET));
        rate->SetAttribute("ErrorRate", DoubleValue(c.frameLoss));
        inner = rate;
    }
    ObjectFactory f("ns3::DataFrameErrorModel");
    f.Set("Inner", PointerValue(inner));
    f.Set("ProtectManagement", BooleanValue(true));
    f.Set("ProtectControl", BooleanValue(false));
    wifi.SetErrorModelFactory(f);
}

/// One simulation with a fixed MAC retry limit.
CompareResult
RunOnce(const CompareConfig& c, uint32_t macRetries)
{
    RngSeedManager::SetSeed(c.seed);
    RngSeedManager::SetRun(c.run);
    ApplyTcpDefaults(c);
    const bool resoa = c.system == "resoa";
    const bool limit = c.system == "limit";

    AccessNetworkHelper access;
    access.SetStaCount(c.clients);
    access.SetStaInternet(!resoa);
    access.SetLinkRate(c.linkRate);
    access.SetLinkDelay(MilliSeconds(c.rttMs / 2));
    access.Wifi().SetMacRetries(macRetries);
    if (c.distance > 0)
    {
        access.Wifi().SetDistance(c.distance, true, true);
    }
    ConfigureLoss(c, access.Wifi());
    AccessNetwork net = access.Build(100);

    Ptr<WifiAssociationMonitor> monitor = CreateObject<WifiAssociationMonitor>();
    monitor->Install(net.wifi);

    Ptr<ResoaServer> server;
    std::vector<Ptr<ResoaClient>> clients;
    if (resoa)
    {
        ResoaHelper helper;
        server = helper.InstallServer(net.ap, NetDeviceContainer(net.wifi.Get(0)));
        for (uint32_t i = 0; i < c.clients; ++i)
        {
            clients.push_back(helper.InstallClient(
                net.wifi.Get(i + 1), net.wifi.Get(0)->GetAddress(), Seconds(0.1)));
        }
    }
    else if (c.system == "nat")
    {
        Ptr<Ipv4> ipv4 = net.ap->GetObject<Ipv4>();
        NaptHelper().Install(net.ap, ipv4->GetInterfaceForDevice(net.p2p.Get(0)));
    }

    uint64_t macRetx = 0;
    uint64_t phyTx = 0;
    Config::ConnectWithoutContext(
        "/NodeList/*/DeviceList/*/$ns3::WifiNetDevice/RemoteStationManager/MacTxDataFailed",
        MakeBoundCallback(
            +[](uint64_t* n, Mac48Address) { ++*n; }, &macRetx));
    Config::ConnectWithoutContext(
        "/NodeList/*/DeviceList/*/$ns3::WifiNetDevice/Phy/PhyTxBegin",
        MakeBoundCallback(
            +[](uint64_t* n, Ptr<const Packet>, double) { ++*n; }, &phyTx));
    TcpRetxCounter retx;
    const bool down = c.direction == "down";
    NodeContainer senders =
        down ? NodeContainer(net.host) : (resoa ? NodeContainer(net.ap) : net.stas);
    for (uint32_t i = 0; i < senders.GetN(); ++i)
    {
        senders.Get(i)->GetObject<Ipv4L3Protocol>()->TraceConnectWithoutContext(
            "Tx", MakeCallback(&TcpRetxCounter::Tx, &retx));
    }

    // One receiver per client (a sink on the host, or the client itself for downloads), so
    // per-client goodput is exact under NAT and ReSoA too.
    std::vector<std::function<uint64_t()>> rxOf;
    std::vector<Time> doneAt(c.clients);
    std::vector<double> fcts;
    std::vector<std::unique_ptr<WebClient>> web;
    std::vector<std::unique_ptr<DownloadServer>> dlServers;
    std::vector<std::unique_ptr<DownloadClient>> dlClients;
    const Time stopAt = kStart + Seconds(c.duration);
    uint32_t remaining = c.clients;
    auto noteProgress = [&](uint32_t i, uint64_t total)
    {
        if (c.bytes > 0 && doneAt[i].IsZero() && total >= c.bytes)
        {
            doneAt[i] = Simulator::Now();
            if (--remaining == 0)
            {
                Simulator::Stop();
            }
        }
    };
    for (uint32_t i = 0; i < c.clients; ++i)
    {
        uint16_t port = kBasePort + i;
        std::string factory = limit ? "ns3::UdpSocketFactory" : "ns3::TcpSocketFactory";
        if (down && !limit)
        {
            dlServers.push_back(std::make_unique<DownloadServer>(net.host, port, c.bytes));
            dlClients.push_back(std::make_unique<DownloadClient>(
                net.stas.Get(i),
                InetSocketAddress(net.hostAddress, port),
                [&noteProgress, i](uint64_t total) { noteProgress(i, total); }));
            DownloadClient* dc = dlClients.back().get();
            rxOf.push_back([dc]() { return dc->Received(); });
            Simulator::Schedule(kStart, &DownloadClient::Start, dc);
            continue;
        }
        // The receiver: a sink on the host (uploads), or on the STA for the download limit.
        Ptr<Node> rxNode = down ? net.stas.Get(i) : net.host;
        Ptr<Node> txNode = down ? net.host : net.stas.Get(i);
        Ipv4Address rxAddr = down ? net.staIfs.GetAddress(i) : net.hostAddress;
        PacketSinkHelper sinkHelper(factory, InetSocketAddress(Ipv4Address::GetAny(), port));
        Ptr<PacketSink> sink = DynamicCast<PacketSink>(sinkHelper.Install(rxNode).Get(0));
        rxOf.push_back([sink]() { return sink->GetTotalRx(); });
        Address to = InetSocketAddress(rxAddr, port);
        if (limit)
        {
            OnOffHelper onoff(factory, to);
            onoff.SetConstantRate(
                DataRate(down ? std::to_string(60 / c.clients) + "Mbps" : "60Mbps"), 1472);
            ApplicationContainer app = onoff.Install(txNode);
            app.Start(kStart);
            app.Stop(stopAt);
        }
        else if (c.flows == "web")
        {
            web.push_back(std::make_unique<WebClient>(net.stas.Get(i), to, c.webFlowBytes, &fcts));
            WebClient* w = web.back().get();
            sink->TraceConnectWithoutContext("Rx",
                                             Callback<void, Ptr<const Packet>, const Address&>(
                                                 [w](Ptr<const Packet> p, const Address&)
                                                 { w->Received(p->GetSize()); }));
            Simulator::Schedule(kStart, &WebClient::StartFlow, w);
        }
        else
        {
            BulkSendHelper bulk(factory, to);
            bulk.SetAttribute("MaxBytes", UintegerValue(c.bytes));
            bulk.SetAttribute("SendSize", UintegerValue(1448));
            bulk.Install(net.stas.Get(i)).Start(kStart);
            sink->TraceConnectWithoutContext(
                "Rx",
                Callback<void, Ptr<const Packet>, const Address&>(
                    [&noteProgress, i, sink](Ptr<const Packet>, const Address&)
                    { noteProgress(i, sink->GetTotalRx()); }));
        }
    }
    if (c.pcap)
    {
        access.Wifi().EnablePcap("resoa-compare-" + c.system, net.wifi);
        PointToPointHelper().EnablePcapAll("resoa-compare-" + c.system);
    }
    // Open-ended bulk runs are measured after a warm-up, so TCP's slow start over a long RTT
    // does not decide a short run; sized transfers count from the start (completion time).
    const bool warm = c.flows == "bulk" && c.bytes == 0 && c.warmup > 0;
    const Time measureFrom = warm ? kStart + Seconds(c.warmup) : kStart;
    std::vector<uint64_t> atWarm(c.clients, 0);
    if (warm)
    {
        Simulator::Schedule(measureFrom,
                            [&]()
                            {
                                for (uint32_t i = 0; i < c.clients; ++i)
                                {
                                    atWarm[i] = rxOf[i]();
                                }
                            });
    }
    Simulator::Stop(warm ? stopAt + Seconds(c.warmup) : stopAt);
    Simulator::Run();

    CompareResult r;
    uint64_t total = 0;
    Time last = measureFrom;
    for (uint32_t i = 0; i < c.clients; ++i)
    {
        uint64_t rx = rxOf[i]() - atWarm[i];
        total += rx;
        Time end = (c.bytes > 0 && !doneAt[i].IsZero()) ? doneAt[i] : Simulator::Now();
        last = std::max(last, end);
        double secs = (end - measureFrom).GetSeconds();
        r.perClientMbps.push_back(secs > 0 ? rx * 8.0 / secs / 1e6 : 0.0);
    }
    double secs = (last - measureFrom).GetSeconds();
    r.goodputMbps = secs > 0 ? total * 8.0 / secs / 1e6 : 0.0;
    r.jain = JainIndex(r.perClientMbps);
    r.fcts = fcts;
    r.macRetx = macRetx;
    r.tcpRetx = retx.Get();
    if (resoa)
    {
        for (const auto& lhp : server->GetLhps())
        {
            r.lhpRetx += lhp->GetTotalStats().retransmissions;
        }
        for (const auto& cl : clients)
        {
            r.lhpRetx += cl->GetLhp()->GetTotalStats().retransmissions;
        }
    }
    r.framesPerKb = total > 0 ? phyTx / (total / 1000.0) : 0.0;
    for (uint32_t i = 0; i < monitor->GetNStations(); ++i)
    {
        r.outageSeconds += monitor->GetOutage(i).GetSeconds();
    }
    r.deassociations = monitor->GetTotalDeassociations();
    r.macRetriesUsed = macRetries;
    Simulator::Destroy();
    return r;
}

} // namespace

double
JainIndex(const std::vector<double>& x)
{
    double sum = 0;
    double squares = 0;
    for (double v : x)
    {
        sum += v;
        squares += v * v;
    }
    return squares > 0 ? sum * sum / (x.size() * squares) : 0.0;
}

std::string
ValidateCompareConfig(const CompareConfig& c)
{
    static const std::set<std::string> systems{"resoa", "nat", "tcp", "limit"};
    if (!systems.count(c.system))
    {
        return "--system must be resoa, nat, tcp or limit, got '" + c.system + "'";
    }
    if (c.direction != "up" && c.direction != "down")
    {
        return "--direction must be up (STAs send) or down (the host sends), got '" + c.direction +
               "'";
    }
    if (c.direction == "down" && c.flows == "web")
    {
        return "--flows=web is modelled for --direction=up only";
    }
    if (c.flows != "bulk" && c.flows != "web")
    {
        return "--flows must be bulk or web, got '" + c.flows + "'";
    }
    if (c.system == "limit" && c.flows != "bulk")
    {
        return "--system=limit measures saturated UDP: use --flows=bulk";
    }
    if (c.clients < 1 || c.clients > 64)
    {
        return "--clients must be in 1..64";
    }
    if (c.frameLoss < 0 || c.frameLoss >= 1)
    {
        return "--frameLoss must be in [0, 1)";
    }
    if (c.burstBadMs < 0 || c.burstGoodMs <= 0)
    {
        return "--burstBadMs must be >= 0 and --burstGoodMs > 0";
    }
    if (c.macRetries < 1 || c.macRetries > 32)
    {
        return "--macRetries must be in 1..32";
    }
    if (c.rttMs < 0 || c.minRtoMs <= 0 || c.duration <= 0 || c.warmup < 0)
    {
        return "--rtt and --warmup must be >= 0, --minRto and --duration > 0";
    }
    if (c.distance < 0 || c.distance > 1000)
    {
        return "--distance must be in [0, 1000] m (0 = fixed 54 Mbit/s channel)";
    }
    if (c.seed == 0 || c.run == 0)
    {
        return "--seed and --run must be positive";
    }
    if (TypeId tid; !TypeId::LookupByNameFailSafe("ns3::Tcp" + c.tcp, &tid))
    {
        return "--tcp: no congestion control ns3::Tcp" + c.tcp + " (try NewReno or Cubic)";
    }
    return "";
}

CompareResult
RunCompare(const CompareConfig& c)
{
    if (c.system != "limit")
    {
        return RunOnce(c, c.macRetries);
    }
    // The limit is the best saturated UDP goodput on this very channel over retry limits:
    // retries cost airtime, so "lossless × (1 − loss)" would overstate it.
    std::set<uint32_t> limits{1, 2, 4, 7, c.macRetries};
    CompareResult best;
    for (uint32_t n : limits)
    {
        CompareResult r = RunOnce(c, n);
        if (r.goodputMbps > best.goodputMbps)
        {
            best = r;
        }
    }
    return best;
}

} // namespace ns3
