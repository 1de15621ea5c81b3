/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "access-network-helper.h"

#include "ns3/internet-stack-helper.h"
#include "ns3/ipv4-address-helper.h"
#include "ns3/ipv4-static-routing-helper.h"
#include "ns3/ipv4.h"
#include "ns3/point-to-point-helper.h"
#include "ns3/string.h"

namespace ns3
{

AccessNetworkHelper::AccessNetworkHelper()
    : m_stas(1)
    , m_staInternet(false)
    , m_rate("100Mbps")
    , m_delay(MilliSeconds(10))
{
}

void
AccessNetworkHelper::SetStaCount(uint32_t n)
{
    m_stas = n;
}

void
AccessNetworkHelper::SetStaInternet(bool enable)
{
    m_staInternet = enable;
}

void
AccessNetworkHelper::SetLinkRate(const std::string& rate)
{
    m_rate = rate;
}

void
AccessNetworkHelper::SetStationDistances(const std::vector<double>& meters)
{
    m_stas = meters.size();
    m_wifi.SetStationDistances(meters, true, true);
}

void
AccessNetworkHelper::SetLinkDelay(Time oneWay)
{
    m_delay = oneWay;
}

LossyWifiHelper&
AccessNetworkHelper::Wifi()
{
    return m_wifi;
}

AccessNetwork
AccessNetworkHelper::Build(int64_t stream)
{
    AccessNetwork net;
    net.stas.Create(m_stas);
    net.ap = CreateObject<Node>();
    net.host = CreateObject<Node>();

    net.wifi = m_wifi.Install(net.ap, net.stas);
    m_wifi.AssignStreams(net.wifi, stream);

    PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", StringValue(m_rate));
    p2p.SetChannelAttribute("Delay", TimeValue(m_delay));
    net.p2p = p2p.Install(net.ap, net.host);

    InternetStackHelper stack;
    stack.Install(net.ap);
    stack.Install(net.host);
    NodeContainer ipNodes(net.ap, net.host);
    if (m_staInternet)
    {
        stack.Install(net.stas);
        ipNodes.Add(net.stas);
    }
    // Fixed streams, so several runs in one process repeat exactly.
    stack.AssignStreams(ipNodes, stream + 1000);

    Ipv4AddressHelper wired("203.0.113.0", "255.255.255.0");
    Ipv4InterfaceContainer wiredIfs = wired.Assign(net.p2p);
    net.apPublic = wiredIfs.GetAddress(0);
    net.hostAddress = wiredIfs.GetAddress(1);

    Ipv4StaticRoutingHelper routing;
    if (m_staInternet)
    {
        // The AP routes between the wireless subnet and the wired link.
        NetDeviceContainer apAndStas;
        for (uint32_t i = 0; i < net.wifi.GetN(); ++i)
        {
            apAndStas.Add(net.wifi.Get(i));
        }
        Ipv4AddressHelper wireless("10.0.0.0", "255.255.255.0");
        Ipv4InterfaceContainer ifs = wireless.Assign(apAndStas);
        Ipv4Address apWireless = ifs.GetAddress(0);
        for (uint32_t i = 0; i < net.stas.GetN(); ++i)
        {
            net.staIfs.Add(ifs.Get(i + 1));
            routing.GetStaticRouting(net.stas.Get(i)->GetObject<Ipv4>())
                ->SetDefaultRoute(apWireless, 1);
        }
    }
    // The host reaches everything behind the AP through it (only public addresses
    // answer, unless a system makes private ones reachable).
    routing.GetStaticRouting(net.host->GetObject<Ipv4>())->SetDefaultRoute(net.apPublic, 1);
    return net;
}

} // namespace ns3
