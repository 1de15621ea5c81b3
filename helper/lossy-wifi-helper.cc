/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "lossy-wifi-helper.h"

#include "ns3/boolean.h"
#include "ns3/data-frame-error-model.h"
#include "ns3/double.h"
#include "ns3/enum.h"
#include "ns3/gilbert-elliott-error-model.h"
#include "ns3/log.h"
#include "ns3/mobility-helper.h"
#include "ns3/mobility-model.h"
#include "ns3/simulator.h"
#include "ns3/ssid.h"
#include "ns3/string.h"
#include "ns3/uinteger.h"
#include "ns3/wifi-helper.h"
#include "ns3/wifi-net-device.h"
#include "ns3/wifi-phy.h"

#include <cmath>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("LossyWifiHelper");

LossyWifiHelper::LossyWifiHelper()
    : m_dataMode("OfdmRate54Mbps")
    , m_controlMode("OfdmRate24Mbps")
    , m_macRetries(7)
    , m_ssid("resoa")
    , m_useErrorModel(false)
{
    YansWifiChannelHelper channel = YansWifiChannelHelper::Default();
    m_channel = channel.Create();
    m_phy.SetChannel(m_channel);
    m_phy.SetPcapDataLinkType(WifiPhyHelper::DLT_IEEE802_11_RADIO);
}

void
LossyWifiHelper::SetFrameLoss(double probability)
{
    NS_ABORT_MSG_IF(probability < 0 || probability > 1,
                    "frame loss must be in [0, 1], got " << probability);
    if (probability == 0)
    {
        m_useErrorModel = false;
        return;
    }
    m_errorModel = ObjectFactory("ns3::RateErrorModel");
    m_errorModel.Set("ErrorUnit", EnumValue(RateErrorModel::ERROR_UNIT_PACKET));
    m_errorModel.Set("ErrorRate", DoubleValue(probability));
    m_useErrorModel = true;
}

void
LossyWifiHelper::SetErrorModel(std::string typeName,
                               const std::string& n1,
                               const AttributeValue& v1)
{
    m_errorModel = ObjectFactory(typeName);
    if (!n1.empty())
    {
        m_errorModel.Set(n1, v1);
    }
    m_useErrorModel = true;
}

void
LossyWifiHelper::SetErrorModelFactory(const ObjectFactory& factory)
{
    m_errorModel = factory;
    m_useErrorModel = true;
}

const std::vector<Ptr<ErrorModel>>&
LossyWifiHelper::GetErrorModels() const
{
    return m_errorModels;
}

void
LossyWifiHelper::SetMacRetries(uint32_t retries)
{
    m_macRetries = retries;
}

void
LossyWifiHelper::SetRates(const std::string& dataMode, const std::string& controlMode)
{
    m_dataMode = dataMode;
    m_controlMode = controlMode;
}

void
LossyWifiHelper::SetSsid(const std::string& ssid)
{
    m_ssid = ssid;
}

void
LossyWifiHelper::SetDistance(double meters, bool nakagami, bool minstrel)
{
    NS_ABORT_MSG_IF(meters <= 0, "distance must be positive, got " << meters);
    m_distance = meters;
    m_positions.clear();
    m_nakagami = nakagami;
    m_minstrel = minstrel;
    if (nakagami)
    {
        YansWifiChannelHelper channel = YansWifiChannelHelper::Default();
        channel.AddPropagationLoss("ns3::NakagamiPropagationLossModel");
        m_channel = channel.Create();
        m_phy.SetChannel(m_channel);
    }
}

void
LossyWifiHelper::SetStationDistances(const std::vector<double>& meters,
                                     bool nakagami,
                                     bool minstrel)
{
    std::vector<Vector> positions;
    for (std::size_t i = 0; i < meters.size(); ++i)
    {
        NS_ABORT_MSG_IF(meters[i] <= 0,
                        "station " << i << ": distance must be positive, got " << meters[i]);
        double angle = 2 * M_PI * i / meters.size();
        positions.emplace_back(meters[i] * std::cos(angle), meters[i] * std::sin(angle), 0);
    }
    SetStationPositions(positions, nakagami, minstrel);
}

void
LossyWifiHelper::SetStationPositions(const std::vector<Vector>& positions,
                                     bool nakagami,
                                     bool minstrel)
{
    NS_ABORT_MSG_IF(positions.empty(), "no station positions");
    double farthest = 0;
    for (const auto& p : positions)
    {
        farthest = std::max(farthest, p.GetLength());
    }
    NS_ABORT_MSG_IF(farthest <= 0, "every station is at the AP's position");
    SetDistance(farthest, nakagami, minstrel);
    m_positions = positions;
}

NetDeviceContainer
LossyWifiHelper::Install(Ptr<Node> ap, NodeContainer stas)
{
    NS_ABORT_MSG_IF(!m_positions.empty() && m_positions.size() != stas.GetN(),
                    "LossyWifiHelper: " << m_positions.size() << " station positions for "
                                        << stas.GetN() << " stations");
    WifiHelper wifi;
    wifi.SetStandard(WIFI_STANDARD_80211a);
    if (m_minstrel)
    {
        wifi.SetRemoteStationManager("ns3::MinstrelWifiManager",
                                     "MaxSsrc",
                                     UintegerValue(m_macRetries),
                                     "MaxSlrc",
                                     UintegerValue(m_macRetries));
    }
    else
    {
        wifi.SetRemoteStationManager("ns3::ConstantRateWifiManager",
                                     "DataMode",
                                     StringValue(m_dataMode),
                                     "ControlMode",
                                     StringValue(m_controlMode),
                                     "MaxSsrc",
                                     UintegerValue(m_macRetries),
                                     "MaxSlrc",
                                     UintegerValue(m_macRetries));
    }
    WifiMacHelper mac;
    Ssid ssid(m_ssid);
    mac.SetType("ns3::ApWifiMac", "Ssid", SsidValue(ssid));
    NetDeviceContainer devices = wifi.Install(m_phy, mac, ap);
    mac.SetType("ns3::StaWifiMac", "Ssid", SsidValue(ssid), "ActiveProbing", BooleanValue(false));
    devices.Add(wifi.Install(m_phy, mac, stas));

    NodeContainer all(ap);
    all.Add(stas);
    for (uint32_t i = 0; i < all.GetN(); ++i)
    {
        Ptr<Node> node = all.Get(i);
        if (node->GetObject<MobilityModel>())
        {
            continue;
        }
        MobilityHelper mobility;
        Ptr<ListPositionAllocator> pos = CreateObject<ListPositionAllocator>();
        if (i > 0 && !m_positions.empty())
        {
            pos->Add(m_positions[i - 1]);
        }
        else
        {
            double angle = i == 0 ? 0.0 : 2 * M_PI * (i - 1) / std::max<uint32_t>(1, stas.GetN());
            double radius = i == 0 ? 0.0 : m_distance;
            pos->Add(Vector(radius * std::cos(angle), radius * std::sin(angle), 0));
        }
        mobility.SetPositionAllocator(pos);
        mobility.SetMobilityModel("ns3::ConstantPositionMobilityModel");
        mobility.Install(node);
    }
    if (m_useErrorModel)
    {
        AttachErrorModel(devices);
    }
    m_guard = nullptr;
    if (m_disassociationGuard)
    {
        if (Simulator::Now().IsZero())
        {
            m_guard = CreateObject<WifiDisassociationGuard>();
            m_guard->Install(devices);
        }
        else
        {
            NS_LOG_WARN("devices installed after time 0: no WifiDisassociationGuard, so a "
                        "de-association with expired MPDUs queued crashes ns-3 3.37");
        }
    }
    m_assocGuard = nullptr;
    if (m_assocTimerGuard)
    {
        m_assocGuard = CreateObject<WifiAssocTimerGuard>();
        m_assocGuard->Install(devices);
    }
    return devices;
}

void
LossyWifiHelper::SetDisassociationGuard(bool enable)
{
    m_disassociationGuard = enable;
}

Ptr<WifiDisassociationGuard>
LossyWifiHelper::GetDisassociationGuard() const
{
    return m_guard;
}

void
LossyWifiHelper::SetAssocTimerGuard(bool enable)
{
    m_assocTimerGuard = enable;
}

Ptr<WifiAssocTimerGuard>
LossyWifiHelper::GetAssocTimerGuard() const
{
    return m_assocGuard;
}

void
LossyWifiHelper::AttachErrorModel(NetDeviceContainer devices)
{
    for (uint32_t i = 0; i < devices.GetN(); ++i)
    {
        Ptr<WifiNetDevice> dev = DynamicCast<WifiNetDevice>(devices.Get(i));
        NS_ABORT_MSG_UNLESS(dev, "LossyWifiHelper: not a WifiNetDevice");
        Ptr<ErrorModel> em = m_errorModel.Create<ErrorModel>();
        dev->GetPhy()->SetPostReceptionErrorModel(em);
        m_errorModels.push_back(em);
    }
}

void
LossyWifiHelper::EnablePcap(const std::string& prefix, NetDeviceContainer devices)
{
    m_phy.EnablePcap(prefix, devices);
}

int64_t
LossyWifiHelper::AssignStreams(NetDeviceContainer devices, int64_t stream)
{
    WifiHelper wifi;
    int64_t used = wifi.AssignStreams(devices, stream);
    used += YansWifiChannelHelper().AssignStreams(m_channel, stream + used);
    for (const auto& em : m_errorModels)
    {
        if (Ptr<RateErrorModel> rem = DynamicCast<RateErrorModel>(em))
        {
            used += rem->AssignStreams(stream + used);
        }
        else if (Ptr<GilbertElliottErrorModel> ge = DynamicCast<GilbertElliottErrorModel>(em))
        {
            used += ge->AssignStreams(stream + used);
        }
        else if (Ptr<DataFrameErrorModel> df = DynamicCast<DataFrameErrorModel>(em))
        {
            used += df->AssignStreams(stream + used);
        }
    }
    return used;
}

} // namespace ns3
