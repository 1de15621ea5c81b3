/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Shared fixture of the ReSoA simulation tests: STAs ))) AP (ReSoA server) --- host.
 */
#ifndef RESOA_TEST_SCENARIO_H
#define RESOA_TEST_SCENARIO_H

#include "ns3/resoa-helper.h"

#include "ns3/access-network-helper.h"
#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/network-module.h"
#include "ns3/stream-pattern.h"

#include <functional>

namespace resoa_test
{

using namespace ns3;

/// Options of one scenario; defaults give one pure-ReSoA STA on a clean link.
struct ScenarioOptions
{
    uint32_t stas = 1;
    double frameLoss = 0;
    uint32_t macRetries = 7;
    bool staInternet = false; //!< dual stack
    uint32_t run = 1;
    std::function<void(ResoaHelper&)> configure; //!< extra attributes
};

/// The built scenario; the simulator is destroyed with it.
struct ResoaScenario
{
    AccessNetwork net;
    Ptr<ResoaServer> server;
    std::vector<Ptr<ResoaClient>> clients;

    explicit ResoaScenario(const ScenarioOptions& o = {})
    {
        RngSeedManager::SetSeed(1);
        RngSeedManager::SetRun(o.run);
        AccessNetworkHelper access;
        access.SetStaCount(o.stas);
        access.SetStaInternet(o.staInternet);
        access.Wifi().SetFrameLoss(o.frameLoss);
        access.Wifi().SetMacRetries(o.macRetries);
        net = access.Build();
        ResoaHelper resoa;
        if (o.configure)
        {
            o.configure(resoa);
        }
        server = resoa.InstallServer(net.ap, NetDeviceContainer(net.wifi.Get(0)));
        for (uint32_t i = 0; i < o.stas; ++i)
        {
            clients.push_back(resoa.InstallClient(
                net.wifi.Get(i + 1), net.wifi.Get(0)->GetAddress(), Seconds(0.1)));
        }
    }

    ~ResoaScenario()
    {
        Simulator::Destroy();
    }
};

/// What both ends saw of a client's address (see ProbeAddresses).
struct AddressProbe
{
    Address own;            //!< getsockname() in the client's application
    Address peerSeenByHost; //!< the source address at the host's sink
    bool connected = false;
};

/**
 * At 1 s, connects a socket of `factory` from `node` to a sink on `port` of `net`'s host,
 * records getsockname() and the source the host sees, and sends 100 bytes.
 */
inline void
ProbeAddresses(
    const AccessNetwork& net, Ptr<Node> node, TypeId factory, uint16_t port, AddressProbe* out)
{
    PacketSinkHelper sinkHelper("ns3::TcpSocketFactory",
                                InetSocketAddress(Ipv4Address::GetAny(), port));
    Ptr<PacketSink> sink = DynamicCast<PacketSink>(sinkHelper.Install(net.host).Get(0));
    sink->TraceConnectWithoutContext(
        "Rx",
        MakeBoundCallback(
            +[](AddressProbe* o, Ptr<const Packet>, const Address& from)
            { o->peerSeenByHost = from; },
            out));
    Simulator::Schedule(Seconds(1),
                        [node, factory, port, out, host = net.hostAddress]()
                        {
                            Ptr<Socket> sock = Socket::CreateSocket(node, factory);
                            sock->SetConnectCallback(Callback<void, Ptr<Socket>>(
                                                         [out](Ptr<Socket> c)
                                                         {
                                                             out->connected = true;
                                                             c->GetSockName(out->own);
                                                             uint8_t hello[100] = {};
                                                             c->Send(hello, sizeof(hello), 0);
                                                         }),
                                                     MakeNullCallback<void, Ptr<Socket>>());
                            sock->Connect(InetSocketAddress(host, port));
                        });
}

/// Hash of `n` zero bytes (what BulkSend and OnOff send).
inline uint64_t
ZeroHash(uint64_t n)
{
    resoa::StreamHash h;
    std::vector<uint8_t> zeros(4096, 0);
    while (n > 0)
    {
        uint64_t k = std::min<uint64_t>(n, zeros.size());
        h.Update(zeros.data(), k);
        n -= k;
    }
    return h.Value();
}

/// Hashes every packet a trace hands it, and remembers the last source address.
struct RxRecorder
{
    resoa::StreamHash hash;
    Address lastFrom;
    uint32_t packets = 0;

    void Rx(Ptr<const Packet> p, const Address& from)
    {
        std::vector<uint8_t> b(p->GetSize());
        p->CopyData(b.data(), b.size());
        hash.Update(b.data(), b.size());
        lastFrom = from;
        ++packets;
    }
};

} // namespace resoa_test

#endif
