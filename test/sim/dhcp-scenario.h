/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * A ReSoA server whose 1-to-1 clients lease their addresses by DHCP (ns-3's own
 * DhcpServer), for the DHCP tests:
 *
 *   clients (no IP) --- CSMA (LHP) --- server 203.0.113.1 --- CSMA --- DHCP server .2
 *                                                                 \--- Internet host .3
 *
 * The DHCP pool is 203.0.113.100 .. lastPool. Every DHCP message reaching the DHCP
 * server's node on port 67 is decoded with the core codec and kept in `wire`.
 */
#ifndef RESOA_TEST_DHCP_SCENARIO_H
#define RESOA_TEST_DHCP_SCENARIO_H

#include "ns3/resoa-helper.h"

#include "ns3/core-module.h"
#include "ns3/csma-module.h"
#include "ns3/dhcp-message.h"
#include "ns3/internet-apps-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/stream-pattern.h"

#include <vector>

namespace resoa_test
{

using namespace ns3;

/// Options of a DhcpScenario.
struct DhcpScenarioOptions
{
    uint32_t clients = 1;
    Ipv4Address lastPool = Ipv4Address("203.0.113.101");
    Time lease = Seconds(30);
    Time renew = Seconds(15);
    Time rebind = Seconds(25);
    Time dhcpStop = Time(0); //!< 0 = the DHCP server runs throughout
    bool dhcpServer = true;  //!< false: no DHCP server at all (down)
    bool fallBack = false;   //!< the ResoaServer's DhcpFallBackToNTo1
    Time clientStart = Seconds(0.1);
    Time clientSpacing = Seconds(0.2); //!< client i starts at clientStart + i * spacing
};

/// A DHCP message seen at the DHCP server's node.
struct DhcpSeen
{
    Time at;
    resoa::DhcpMessage msg;
};

struct DhcpScenario
{
    explicit DhcpScenario(const DhcpScenarioOptions& o = DhcpScenarioOptions())
    {
        srv = CreateObject<Node>();
        dhcp = CreateObject<Node>();
        host = CreateObject<Node>();
        clients.Create(o.clients);
        CsmaHelper csma;
        csma.SetChannelAttribute("DataRate", StringValue("100Mbps"));
        csma.SetChannelAttribute("Delay", TimeValue(MicroSeconds(50)));
        NodeContainer accessNodes(srv);
        accessNodes.Add(clients);
        access = csma.Install(accessNodes);
        wired = csma.Install(NodeContainer(srv, dhcp, host));

        InternetStackHelper stack;
        stack.Install(NodeContainer(srv, dhcp, host));
        Ipv4AddressHelper ip;
        ip.SetBase("203.0.113.0", "255.255.255.0", "0.0.0.1");
        ip.Assign(NetDeviceContainer(wired.Get(0)));
        ip.SetBase("203.0.113.0", "255.255.255.0", "0.0.0.3");
        ip.Assign(NetDeviceContainer(wired.Get(2)));
        if (o.dhcpServer)
        {
            DhcpHelper dh;
            dh.SetServerAttribute("LeaseTime", TimeValue(o.lease));
            dh.SetServerAttribute("RenewTime", TimeValue(o.renew));
            dh.SetServerAttribute("RebindTime", TimeValue(o.rebind));
            ApplicationContainer app = dh.InstallDhcpServer(wired.Get(1),
                                                            Ipv4Address("203.0.113.2"),
                                                            Ipv4Address("203.0.113.0"),
                                                            Ipv4Mask("/24"),
                                                            Ipv4Address("203.0.113.100"),
                                                            o.lastPool,
                                                            Ipv4Address("203.0.113.1"));
            app.Start(Seconds(0));
            if (!o.dhcpStop.IsZero())
            {
                app.Stop(o.dhcpStop);
            }
            dhcp->GetObject<Ipv4L3Protocol>()->TraceConnectWithoutContext(
                "Rx", MakeCallback(&DhcpScenario::OnDhcpNodeRx, this));
        }
        else
        {
            ip.SetBase("203.0.113.0", "255.255.255.0", "0.0.0.2");
            ip.Assign(NetDeviceContainer(wired.Get(1)));
        }

        ResoaHelper resoa;
        server = resoa.InstallServer(srv, NetDeviceContainer(access.Get(0)));
        server->SetAttribute("DhcpFallBackToNTo1", BooleanValue(o.fallBack));
        server->GetDhcpAgent()->SetAttribute("Retransmit", TimeValue(MilliSeconds(500)));
        server->GetDhcpAgent()->SetAttribute("Timeout", TimeValue(Seconds(2)));
        registered.resize(o.clients);
        for (uint32_t i = 0; i < o.clients; ++i)
        {
            Ptr<ResoaClient> c = resoa.InstallClientDhcp(access.Get(i + 1),
                                                         server,
                                                         access.Get(0)->GetAddress(),
                                                         o.clientStart + o.clientSpacing * i);
            // A refused or ended client retries after its backoff (ResoaClient's failover);
            // these scenarios look at one registration each, so the retry waits past them.
            c->SetAttribute("ReconnectBackoffMin", TimeValue(Seconds(60)));
            c->SetAttribute("ReconnectBackoffMax", TimeValue(Seconds(60)));
            c->TraceConnectWithoutContext(
                "Registered", MakeBoundCallback(&DhcpScenario::OnRegistered, &registered[i]));
            cl.push_back(c);
        }
    }

    ~DhcpScenario()
    {
        Simulator::Destroy();
    }

    /// The client's MAC (its LHP device).
    Mac48Address MacOf(uint32_t i) const
    {
        return Mac48Address::ConvertFrom(access.Get(i + 1)->GetAddress());
    }

    /// The DHCP messages of `type` seen at the DHCP server's node.
    std::vector<DhcpSeen> Seen(resoa::DhcpType type) const
    {
        std::vector<DhcpSeen> v;
        for (const DhcpSeen& s : wire)
        {
            if (s.msg.type == type)
            {
                v.push_back(s);
            }
        }
        return v;
    }

    /// Whether `a` is configured on the server's wired interface.
    bool ServerHolds(Ipv4Address a) const
    {
        return srv->GetObject<Ipv4>()->GetInterfaceForAddress(a) >= 0;
    }

    /// What one client's Registered trace reported (errno -1: none yet).
    struct Registration
    {
        int32_t error = -1;
        Ipv4Address address;
        Time at;
    };

    static void OnRegistered(Registration* r, int32_t error, Ipv4Address a)
    {
        r->error = error;
        r->address = a;
        r->at = Simulator::Now();
    }

    void OnDhcpNodeRx(Ptr<const Packet> p, Ptr<Ipv4>, uint32_t)
    {
        Ptr<Packet> c = p->Copy();
        Ipv4Header ih;
        c->RemoveHeader(ih);
        if (ih.GetProtocol() != UdpL4Protocol::PROT_NUMBER)
        {
            return;
        }
        UdpHeader uh;
        c->RemoveHeader(uh);
        if (uh.GetDestinationPort() != resoa::kDhcpServerPort)
        {
            return;
        }
        std::vector<uint8_t> b(c->GetSize());
        c->CopyData(b.data(), b.size());
        DhcpSeen s;
        s.at = Simulator::Now();
        if (resoa::DecodeDhcp(b.data(), b.size(), s.msg) == resoa::DecodeError::Ok)
        {
            wire.push_back(s);
        }
    }

    Ptr<Node> srv;
    Ptr<Node> dhcp;
    Ptr<Node> host;
    NodeContainer clients;
    NetDeviceContainer access;
    NetDeviceContainer wired;
    Ptr<ResoaServer> server;
    std::vector<Ptr<ResoaClient>> cl;
    std::vector<Registration> registered;
    std::vector<DhcpSeen> wire;
};

/// The MAC bytes of `m`.
inline std::array<uint8_t, 6>
MacBytes(Mac48Address m)
{
    std::array<uint8_t, 6> b{};
    m.CopyTo(b.data());
    return b;
}

} // namespace resoa_test

#endif // RESOA_TEST_DHCP_SCENARIO_H
