-- SPDX-License-Identifier: GPL-2.0-only
--
-- Wireshark dissector for ReSoA (the Remote Socket Architecture):
--   LHP, the Last Hop Protocol (EtherType 0x88B5), and
--   EP, the Export Protocol, carried one message per LHP Data SDU.
--
-- The wire formats are the ones of model/core/lhp-frame.{h,cc} and
-- model/core/ep-message.{h,cc}; the checks below run in the same order as the C++
-- decoders (test/vectors/README.md, "Error precedence"), so the dissector names the same
-- DecodeError the core returns: lhp.decode_error / ep.decode_error hold that name.
-- tools/wireshark/run-test.py checks this, field by field, against the C++ codec.
--
-- Use:   wireshark -X lua_script:tools/wireshark/resoa.lua capture.pcap
--   or   copy this file to ~/.local/lib/wireshark/plugins/
-- Needs Wireshark >= 3.0 (Lua 5.2); written against 4.0.

-- ---------------------------------------------------------------------------------------
-- Constants of the wire formats
-- ---------------------------------------------------------------------------------------

local LHP_ETHERTYPE = 0x88B5
local LHP_VERSION = 1
local LHP_HEADER_SIZE = 24
local LHP_MAX_PAYLOAD = 9000
local LHP_CONNECT_PARAMS_SIZE = 8
local LHP_FLAG_ACK = 0x01
local LHP_FLAG_RESPONSE = 0x02
local LHP_KNOWN_FLAGS = 0x03
local LHP_CHANNEL_COUNT = 2

local LHP_DATA, LHP_ACK, LHP_CONNECT, LHP_ACCEPT = 1, 2, 3, 4
local LHP_CLOSE, LHP_KEEPALIVE, LHP_FORWARD = 5, 6, 7

local EP_VERSION = 1
local EP_HEADER_SIZE = 16
local EP_MAX_BODY = 65536
local EP_TYPE_MAX = 20
local EP_FLAG_CREATE = 0x01
local EP_FLAG_CREDIT_WANTED = 0x02
local EP_KNOWN_FLAGS = 0x03
local EP_SOCKTYPE_MAX = 2
local EP_MAX_RESOLVED = 16
local EP_RESOLVE_CANON = 0x01

local EP = {
    Register = 1, Registered = 2, Socket = 3, Bind = 4, Listen = 5, Accepted = 6,
    Connect = 7, Response = 8, Data = 9, Credit = 10, Shutdown = 11, Close = 12,
    SetSockOpt = 13, GetSockOpt = 14, SendTo = 15, RecvFrom = 16, Error = 17, Eof = 18,
    Resolve = 19, Resolved = 20,
}

-- Ethernet II frames are padded to 60 bytes (64 with the FCS).
local ETH_MIN_FRAME = 60
local ETH_MIN_FRAME_FCS = 64

-- ---------------------------------------------------------------------------------------
-- Value strings
-- ---------------------------------------------------------------------------------------

local lhp_type_names = {
    [1] = "Data", [2] = "Ack", [3] = "Connect", [4] = "Accept", [5] = "Close",
    [6] = "Keepalive", [7] = "Forward",
}
local lhp_channel_names = { [0] = "Reliable", [1] = "Semi-reliable" }
local lhp_channel_short = { [0] = "reliable", [1] = "semi-reliable" }

local ep_type_names = {}
for name, num in pairs(EP) do
    ep_type_names[num] = name
end

local ep_socktype_names = { [0] = "None", [1] = "Stream", [2] = "Dgram" }
local ep_addrmode_names = { [0] = "n-to-1", [1] = "1-to-1" }
local ep_family_names = { [0] = "None", [4] = "IPv4", [6] = "IPv6" }
local ep_resolve_family_names = { [0] = "Any", [4] = "IPv4", [6] = "IPv6" }
local ep_how_names = { [0] = "SHUT_RD", [1] = "SHUT_WR", [2] = "SHUT_RDWR" }
local ep_how_short = { [0] = "rd", [1] = "wr", [2] = "rdwr" }
local ep_level_names = { [1] = "SOL_SOCKET", [6] = "IPPROTO_TCP" }
-- The documented subset (model/core/ep-engine-types.h, ep_sockopt).
local ep_option_names = {
    [1] = { [2] = "SO_REUSEADDR", [6] = "SO_BROADCAST", [7] = "SO_SNDBUF", [8] = "SO_RCVBUF",
            [9] = "SO_KEEPALIVE" },
    [6] = { [1] = "TCP_NODELAY" },
}

-- Errors travel as Linux errno numbers (> 0); Resolved also carries getaddrinfo's EAI_*
-- codes (< 0, glibc numbering: ep_resolve in ep-message.h). Names as glibc's
-- strerrorname_np returns them (the test compares them with it).
local ep_error_names = {
    [0] = "OK",
    [-2] = "EAI_NONAME", [-3] = "EAI_AGAIN", [-4] = "EAI_FAIL", [-5] = "EAI_NODATA",
    [-6] = "EAI_FAMILY", [-9] = "EAI_ADDRFAMILY", [-10] = "EAI_MEMORY",
    [1] = "EPERM", [2] = "ENOENT", [3] = "ESRCH", [4] = "EINTR", [5] = "EIO", [6] = "ENXIO",
    [7] = "E2BIG", [8] = "ENOEXEC", [9] = "EBADF", [10] = "ECHILD", [11] = "EAGAIN",
    [12] = "ENOMEM", [13] = "EACCES", [14] = "EFAULT", [15] = "ENOTBLK", [16] = "EBUSY",
    [17] = "EEXIST", [18] = "EXDEV", [19] = "ENODEV", [20] = "ENOTDIR", [21] = "EISDIR",
    [22] = "EINVAL", [23] = "ENFILE", [24] = "EMFILE", [25] = "ENOTTY", [26] = "ETXTBSY",
    [27] = "EFBIG", [28] = "ENOSPC", [29] = "ESPIPE", [30] = "EROFS", [31] = "EMLINK",
    [32] = "EPIPE", [33] = "EDOM", [34] = "ERANGE", [35] = "EDEADLK", [36] = "ENAMETOOLONG",
    [37] = "ENOLCK", [38] = "ENOSYS", [39] = "ENOTEMPTY", [40] = "ELOOP", [42] = "ENOMSG",
    [43] = "EIDRM", [44] = "ECHRNG", [45] = "EL2NSYNC", [46] = "EL3HLT", [47] = "EL3RST",
    [48] = "ELNRNG", [49] = "EUNATCH", [50] = "ENOCSI", [51] = "EL2HLT", [52] = "EBADE",
    [53] = "EBADR", [54] = "EXFULL", [55] = "ENOANO", [56] = "EBADRQC", [57] = "EBADSLT",
    [59] = "EBFONT", [60] = "ENOSTR", [61] = "ENODATA", [62] = "ETIME", [63] = "ENOSR",
    [64] = "ENONET", [65] = "ENOPKG", [66] = "EREMOTE", [67] = "ENOLINK", [68] = "EADV",
    [69] = "ESRMNT", [70] = "ECOMM", [71] = "EPROTO", [72] = "EMULTIHOP", [73] = "EDOTDOT",
    [74] = "EBADMSG", [75] = "EOVERFLOW", [76] = "ENOTUNIQ", [77] = "EBADFD",
    [78] = "EREMCHG", [79] = "ELIBACC", [80] = "ELIBBAD", [81] = "ELIBSCN", [82] = "ELIBMAX",
    [83] = "ELIBEXEC", [84] = "EILSEQ", [85] = "ERESTART", [86] = "ESTRPIPE", [87] = "EUSERS",
    [88] = "ENOTSOCK", [89] = "EDESTADDRREQ", [90] = "EMSGSIZE", [91] = "EPROTOTYPE",
    [92] = "ENOPROTOOPT", [93] = "EPROTONOSUPPORT", [94] = "ESOCKTNOSUPPORT",
    [95] = "EOPNOTSUPP", [96] = "EPFNOSUPPORT", [97] = "EAFNOSUPPORT", [98] = "EADDRINUSE",
    [99] = "EADDRNOTAVAIL", [100] = "ENETDOWN", [101] = "ENETUNREACH", [102] = "ENETRESET",
    [103] = "ECONNABORTED", [104] = "ECONNRESET", [105] = "ENOBUFS", [106] = "EISCONN",
    [107] = "ENOTCONN", [108] = "ESHUTDOWN", [109] = "ETOOMANYREFS", [110] = "ETIMEDOUT",
    [111] = "ECONNREFUSED", [112] = "EHOSTDOWN", [113] = "EHOSTUNREACH", [114] = "EALREADY",
    [115] = "EINPROGRESS", [116] = "ESTALE", [117] = "EUCLEAN", [118] = "ENOTNAM",
    [119] = "ENAVAIL", [120] = "EISNAM", [121] = "EREMOTEIO", [122] = "EDQUOT",
    [123] = "ENOMEDIUM", [124] = "EMEDIUMTYPE", [125] = "ECANCELED", [126] = "ENOKEY",
    [127] = "EKEYEXPIRED", [128] = "EKEYREVOKED", [129] = "EKEYREJECTED",
    [130] = "EOWNERDEAD", [131] = "ENOTRECOVERABLE", [132] = "ERFKILL", [133] = "EHWPOISON",
}

-- The error codes Resolved may carry besides errno values (ep_resolve::IsValid).
local ep_resolve_codes = {
    [-2] = true, [-3] = true, [-4] = true, [-5] = true, [-6] = true, [-9] = true, [-10] = true,
}

-- ---------------------------------------------------------------------------------------
-- Protocols, preferences and fields
-- ---------------------------------------------------------------------------------------

local lhp = Proto("lhp", "ReSoA Last Hop Protocol")
local ep = Proto("ep", "ReSoA Export Protocol")

-- How an LHP Data payload (one SDU) is dissected. ReSoA puts exactly one EP message in
-- each SDU; other LHP users (LhpBulkTransfer, test vectors) carry opaque bytes.
local EP_PAYLOAD_ALWAYS, EP_PAYLOAD_HEURISTIC, EP_PAYLOAD_NEVER = 1, 2, 3
lhp.prefs.ep_payload = Pref.enum(
    "Data payloads as EP", EP_PAYLOAD_ALWAYS,
    "Always: every LHP Data SDU is one EP message (ReSoA captures). Heuristic: only SDUs " ..
    "whose first 16 bytes look like an EP header (version 1, known type, body length " ..
    "matching). Never: show SDUs as bytes.",
    {
        { 1, "always", EP_PAYLOAD_ALWAYS },
        { 2, "heuristic", EP_PAYLOAD_HEURISTIC },
        { 3, "never", EP_PAYLOAD_NEVER },
    },
    false)

local lf = {
    version = ProtoField.uint8("lhp.version", "Version", base.DEC),
    type = ProtoField.uint8("lhp.type", "Type", base.DEC, lhp_type_names),
    flags = ProtoField.uint8("lhp.flags", "Flags", base.HEX),
    flag_ack = ProtoField.bool("lhp.flags.ack", "Ack fields valid", 8, nil, LHP_FLAG_ACK),
    flag_response = ProtoField.bool("lhp.flags.response", "Response", 8, nil,
                                    LHP_FLAG_RESPONSE),
    flag_reserved = ProtoField.uint8("lhp.flags.reserved", "Undefined flag bits", base.HEX,
                                     nil, 0xFC),
    channel = ProtoField.uint8("lhp.channel", "Channel", base.DEC, lhp_channel_names),
    conn_id = ProtoField.uint32("lhp.conn_id", "Connection id", base.HEX),
    seq = ProtoField.uint32("lhp.seq", "Sequence number", base.DEC),
    ack = ProtoField.uint32("lhp.ack", "Ack (next expected)", base.DEC),
    sack = ProtoField.uint32("lhp.sack", "SACK bitmap", base.HEX),
    sack_seq = ProtoField.uint32("lhp.sack.seq", "Also received", base.DEC),
    window = ProtoField.uint16("lhp.window", "Receive window (frames)", base.DEC),
    length = ProtoField.uint16("lhp.length", "Payload length", base.DEC),
    max_payload = ProtoField.uint16("lhp.connect.max_payload", "Max payload", base.DEC),
    connect_window = ProtoField.uint16("lhp.connect.window", "Window (frames per channel)",
                                       base.DEC),
    nonce = ProtoField.uint32("lhp.connect.nonce", "Nonce", base.HEX),
    connect_error = ProtoField.string("lhp.connect.decode_error", "Connect params error"),
    payload = ProtoField.bytes("lhp.payload", "Payload"),
    padding = ProtoField.bytes("lhp.padding", "Ethernet padding"),
    undecoded = ProtoField.bytes("lhp.undecoded", "Undecoded bytes"),
    decode_error = ProtoField.string("lhp.decode_error", "Decode error"),
}
lhp.fields = lf

local ef = {
    version = ProtoField.uint8("ep.version", "Version", base.DEC),
    type = ProtoField.uint8("ep.type", "Type", base.DEC, ep_type_names),
    flags = ProtoField.uint8("ep.flags", "Flags", base.HEX),
    flag_create = ProtoField.bool("ep.flags.create", "Create socket first", 8, nil,
                                  EP_FLAG_CREATE),
    flag_credit_wanted = ProtoField.bool("ep.flags.credit_wanted", "Credit wanted", 8, nil,
                                         EP_FLAG_CREDIT_WANTED),
    flag_reserved = ProtoField.uint8("ep.flags.reserved", "Undefined flag bits", base.HEX, nil,
                                     0xFC),
    socktype = ProtoField.uint8("ep.socktype", "Socket type", base.DEC, ep_socktype_names),
    rsockid = ProtoField.uint32("ep.rsockid", "rsockID", base.DEC),
    request_id = ProtoField.uint32("ep.request_id", "Request id", base.DEC),
    body_length = ProtoField.uint32("ep.body_length", "Body length", base.DEC),
    -- bodies
    error = ProtoField.int32("ep.error", "Error", base.DEC, ep_error_names),
    addrmode = ProtoField.uint8("ep.addrmode", "Address mode", base.DEC, ep_addrmode_names),
    requested_ipv4 = ProtoField.ipv4("ep.requested_ipv4", "Requested IPv4 (0 = any)"),
    public_ipv4 = ProtoField.ipv4("ep.public_ipv4", "Public IPv4"),
    socket_limit = ProtoField.uint16("ep.socket_limit", "Socket limit", base.DEC),
    name_length = ProtoField.uint8("ep.name_length", "Name length", base.DEC),
    name = ProtoField.string("ep.name", "Name"),
    backlog = ProtoField.uint32("ep.backlog", "Backlog", base.DEC),
    new_rsockid = ProtoField.uint32("ep.new_rsockid", "New rsockID", base.DEC),
    credit = ProtoField.uint32("ep.credit", "Credit (bytes)", base.DEC),
    value = ProtoField.int32("ep.value", "Value", base.DEC),
    how = ProtoField.uint8("ep.how", "How", base.DEC, ep_how_names),
    level = ProtoField.uint16("ep.sockopt.level", "Level", base.DEC, ep_level_names),
    option = ProtoField.uint16("ep.sockopt.option", "Option", base.DEC),
    optval = ProtoField.int32("ep.sockopt.value", "Option value", base.DEC),
    data = ProtoField.bytes("ep.data", "Data"),
    data_length = ProtoField.uint32("ep.data_length", "Data length", base.DEC),
    resolve_family = ProtoField.uint8("ep.resolve.family", "Resolve family", base.DEC,
                                      ep_resolve_family_names),
    resolve_flags = ProtoField.uint8("ep.resolve.flags", "Resolve flags", base.HEX),
    resolve_canon = ProtoField.bool("ep.resolve.flags.canonname", "Canonical name wanted", 8,
                                    nil, EP_RESOLVE_CANON),
    resolve_reserved = ProtoField.uint8("ep.resolve.flags.reserved", "Undefined flag bits",
                                        base.HEX, nil, 0xFE),
    resolved_count = ProtoField.uint8("ep.resolved.count", "Address count", base.DEC),
    canon_name_length = ProtoField.uint8("ep.canon_name_length", "Canonical name length",
                                         base.DEC),
    canon_name = ProtoField.string("ep.canon_name", "Canonical name"),
    undecoded = ProtoField.bytes("ep.undecoded", "Undecoded bytes"),
    decode_error = ProtoField.string("ep.decode_error", "Decode error"),
}

-- EpAddress fields, one set per role so that e.g. `ep.peer.port == 80` works.
local ADDRESS_ROLES = {
    ["local"] = "Local address",
    peer = "Peer address",
    addr = "Resolved address",
}
local af = {}
for role, title in pairs(ADDRESS_ROLES) do
    af[role] = {
        family = ProtoField.uint8("ep." .. role .. ".family", title .. " family", base.DEC,
                                  ep_family_names),
        ipv4 = ProtoField.ipv4("ep." .. role .. ".ipv4", title .. " IPv4"),
        ipv6 = ProtoField.ipv6("ep." .. role .. ".ipv6", title .. " IPv6"),
        port = ProtoField.uint16("ep." .. role .. ".port", title .. " port", base.DEC),
    }
    for key, field in pairs(af[role]) do
        ef[role .. "_" .. key] = field
    end
end
ep.fields = ef

-- Expert info. "malformed" is what the core's decoder rejects; "warn" is a frame the
-- decoder accepts but the link or the engines refuse or ignore.
local lx = {
    malformed = ProtoExpert.new("lhp.malformed", "Malformed LHP frame",
                                expert.group.MALFORMED, expert.severity.ERROR),
    params = ProtoExpert.new("lhp.connect.malformed", "Malformed LHP connect parameters",
                             expert.group.MALFORMED, expert.severity.ERROR),
    semantics = ProtoExpert.new("lhp.semantics", "LHP frame the link refuses or ignores",
                                expert.group.PROTOCOL, expert.severity.WARN),
    padding = ProtoExpert.new("lhp.padding.nonzero", "Ethernet padding is not zero",
                              expert.group.PROTOCOL, expert.severity.NOTE),
    snaplen = ProtoExpert.new("lhp.snaplen", "Frame cut by the capture's snap length",
                              expert.group.UNDECODED, expert.severity.WARN),
    internal = ProtoExpert.new("lhp.internal_error", "resoa.lua internal error",
                               expert.group.UNDECODED, expert.severity.ERROR),
}
lhp.experts = { lx.malformed, lx.params, lx.semantics, lx.padding, lx.snaplen, lx.internal }

local ex = {
    malformed = ProtoExpert.new("ep.malformed", "Malformed EP message",
                                expert.group.MALFORMED, expert.severity.ERROR),
}
ep.experts = { ex.malformed }

-- ---------------------------------------------------------------------------------------
-- Small helpers
-- ---------------------------------------------------------------------------------------

local band, bnot, rshift = bit32.band, bit32.bnot, bit32.rshift

local function hex32(v)
    return string.format("0x%08x", v)
end

-- "ECONNREFUSED", "EAI_NONAME", or the bare number when it has no name.
local function error_name(code)
    return ep_error_names[code] or tostring(code)
end

-- A name as the Info column shows it: printable ASCII kept, any other byte as '.', so the
-- column never holds control characters (or a NUL that would cut it short).
local function info_string(raw)
    return (raw:gsub("[^\32-\126]", "."))
end

-- The "[Malformed: X]" suffix the Info column carries for a rejected frame or message.
local function malformed_suffix(err)
    return " [Malformed: " .. err .. "]"
end

-- A cursor over [pos, stop) of a tvb. Every read checks the bound first, so a short body
-- can never raise a Lua error: the caller gets nil and reports the body as too short.
local function new_cursor(tvb, pos, stop)
    return { tvb = tvb, pos = pos, stop = stop }
end

local function cursor_left(c)
    return c.stop - c.pos
end

-- Takes n > 0 bytes as a TvbRange, or returns nil if fewer are left.
local function cursor_take(c, n)
    if n <= 0 or cursor_left(c) < n then
        return nil
    end
    local r = c.tvb(c.pos, n)
    c.pos = c.pos + n
    return r
end

-- ---------------------------------------------------------------------------------------
-- EP
-- ---------------------------------------------------------------------------------------

-- A failed body check: `err` is the DecodeError name, `why` the detail for the expert info.
local function body_error(err, why)
    return { err = err, why = why }
end

-- A declared body too short for the type's fields: BadField, as in ep-message.cc
-- (kShortBody: more bytes could not make it valid, since the body length is final).
local function short_body(what)
    return body_error("BadField", "body too short for " .. what)
end

-- Reads one EpAddress (u8 family, 0/4/16 address bytes, u16 port) under `tree`, as
-- ReadAddress does. Returns the text form ("10.0.0.1:80", "[2001:db8::1]:443", "none") and
-- the family, or nil and a body_error.
local function read_address(c, tree, role)
    local fields = af[role]
    local start = c.pos
    local fam_r = cursor_take(c, 1)
    if not fam_r then
        return nil, short_body(role .. " address family")
    end
    local family = fam_r:uint()
    local nbytes = (family == 4 and 4) or (family == 6 and 16) or 0
    -- The subtree spans what is there of the address.
    local span = math.min(1 + (nbytes > 0 and nbytes + 2 or 0), c.stop - start)
    local sub = tree:add(c.tvb(start, span), ADDRESS_ROLES[role] .. ": ")
    sub:add(fields.family, fam_r)
    if family == 0 then
        sub:append_text("none")
        return "none", family
    end
    if nbytes == 0 then
        sub:append_text("bad family " .. family)
        return nil, body_error("BadField", role .. " address family " .. family ..
                               " is not 0, 4 or 6")
    end
    local addr_r = cursor_take(c, nbytes)
    if not addr_r then
        return nil, short_body(role .. " address")
    end
    local port_r = cursor_take(c, 2)
    if not port_r then
        sub:add(family == 4 and fields.ipv4 or fields.ipv6, addr_r)
        return nil, short_body(role .. " port")
    end
    local text
    if family == 4 then
        sub:add(fields.ipv4, addr_r)
        text = tostring(addr_r:ipv4()) .. ":" .. port_r:uint()
    else
        sub:add(fields.ipv6, addr_r)
        text = "[" .. tostring(addr_r:ipv6()) .. "]:" .. port_r:uint()
    end
    sub:add(fields.port, port_r)
    sub:append_text(text)
    return text, family
end

-- A u8-length-prefixed name (Register, Resolve, Resolved). `min_len` and `no_nul` are the
-- checks ReadName makes (Register's name has neither). Returns the name or nil, error.
local function read_name(c, tree, len_field, name_field, min_len, no_nul, what)
    local len_r = cursor_take(c, 1)
    if not len_r then
        return nil, short_body(what .. " length")
    end
    tree:add(len_field, len_r)
    local n = len_r:uint()
    if cursor_left(c) < n then
        return nil, short_body(what .. " (" .. n .. " bytes declared, " .. cursor_left(c) ..
                               " left)")
    end
    if n == 0 then
        if min_len > 0 then
            return nil, body_error("BadField", "empty " .. what)
        end
        return ""
    end
    local name_r = cursor_take(c, n)
    tree:add(name_field, name_r)
    local raw = name_r:raw()
    if no_nul and raw:find("\0", 1, true) then
        return nil, body_error("BadField", what .. " holds a NUL byte")
    end
    return raw
end

-- Reads u8/u16/u32/i32 fields in order, as one chain of ByteReader reads: returns their
-- values and TvbRanges, or nil if the body ends first. `spec` is a list of
-- { field, size, signed }.
local function read_fixed(c, tree, spec)
    local values, ranges = {}, {}
    for i, s in ipairs(spec) do
        local r = cursor_take(c, s[2])
        if not r then
            return nil
        end
        tree:add(s[1], r)
        values[i] = s[3] and r:int() or r:uint()
        ranges[i] = r
    end
    return values, ranges
end

-- The body of each EP type. Each returns (summary) or (nil, body_error), mirroring
-- ReadBody in ep-message.cc check for check.
local body_readers = {}

body_readers[EP.Register] = function(c, t)
    local v, r = read_fixed(c, t, { { ef.addrmode, 1 }, { ef.requested_ipv4, 4 } })
    if not v then
        return nil, short_body("Register address mode and IPv4")
    end
    if v[1] > 1 then
        return nil, body_error("BadField", "address mode " .. v[1] .. " is not 0 or 1")
    end
    local name, err = read_name(c, t, ef.name_length, ef.name, 0, false, "client name")
    if not name then
        return nil, err
    end
    local s = ' name="' .. info_string(name) .. '" mode=' .. ep_addrmode_names[v[1]]
    if v[2] ~= 0 then
        s = s .. " ipv4=" .. tostring(r[2]:ipv4())
    end
    return s
end

body_readers[EP.Registered] = function(c, t)
    local v, r = read_fixed(c, t, { { ef.error, 4, true }, { ef.addrmode, 1 },
                                 { ef.public_ipv4, 4 }, { ef.socket_limit, 2 } })
    if not v then
        return nil, short_body("Registered")
    end
    if v[2] > 1 then
        return nil, body_error("BadField", "address mode " .. v[2] .. " is not 0 or 1")
    end
    if v[1] ~= 0 then
        return " error=" .. error_name(v[1])
    end
    return " mode=" .. ep_addrmode_names[v[2]] .. " ipv4=" ..
           tostring(r[3]:ipv4()) .. " limit=" .. v[4]
end

body_readers[EP.Socket] = function()
    return ""
end

body_readers[EP.Bind] = function(c, t)
    local a, err = read_address(c, t, "local")
    if not a then
        return nil, err
    end
    return " local=" .. a
end

body_readers[EP.Listen] = function(c, t)
    local v = read_fixed(c, t, { { ef.backlog, 4 } })
    if not v then
        return nil, short_body("Listen backlog")
    end
    return " backlog=" .. v[1]
end

body_readers[EP.Accepted] = function(c, t)
    local v = read_fixed(c, t, { { ef.new_rsockid, 4 } })
    if not v then
        return nil, short_body("Accepted new rsockID")
    end
    local l, err = read_address(c, t, "local")
    if not l then
        return nil, err
    end
    local p, err2 = read_address(c, t, "peer")
    if not p then
        return nil, err2
    end
    return " new=" .. v[1] .. " peer=" .. p
end

body_readers[EP.Connect] = function(c, t)
    local p, err = read_address(c, t, "peer")
    if not p then
        return nil, err
    end
    return " -> " .. p
end

body_readers[EP.Response] = function(c, t)
    local v = read_fixed(c, t, { { ef.error, 4, true } })
    if not v then
        return nil, short_body("Response error")
    end
    local l, lfam = read_address(c, t, "local")
    if not l then
        return nil, lfam
    end
    local p, pfam = read_address(c, t, "peer")
    if not p then
        return nil, pfam
    end
    local w = read_fixed(c, t, { { ef.value, 4, true } })
    if not w then
        return nil, short_body("Response value")
    end
    local s = v[1] ~= 0 and (" error=" .. error_name(v[1])) or " ok"
    if lfam ~= 0 then
        s = s .. " local=" .. l
    end
    if pfam ~= 0 then
        s = s .. " peer=" .. p
    end
    if w[1] ~= 0 then
        s = s .. " value=" .. w[1]
    end
    return s
end

-- Everything left is data (Data, and SendTo/RecvFrom after the peer address).
local function read_rest(c, t)
    local n = cursor_left(c)
    if n > 0 then
        t:add(ef.data, cursor_take(c, n))
    end
    t:add(ef.data_length, n):set_generated()
    return n
end

body_readers[EP.Data] = function(c, t)
    return " len=" .. read_rest(c, t)
end

body_readers[EP.Credit] = function(c, t)
    local v = read_fixed(c, t, { { ef.credit, 4 } })
    if not v then
        return nil, short_body("Credit bytes")
    end
    return " bytes=" .. v[1]
end

body_readers[EP.Shutdown] = function(c, t)
    local v = read_fixed(c, t, { { ef.how, 1 } })
    if not v then
        return nil, short_body("Shutdown how")
    end
    if v[1] > 2 then
        return nil, body_error("BadField", "how " .. v[1] .. " is not 0, 1 or 2")
    end
    return " how=" .. ep_how_short[v[1]]
end

body_readers[EP.Close] = function()
    return ""
end

-- "SO_KEEPALIVE", or "level=L option=O" outside the documented subset.
local function sockopt_name(level, option)
    local names = ep_option_names[level]
    if names and names[option] then
        return names[option]
    end
    return "level=" .. level .. " option=" .. option
end

body_readers[EP.SetSockOpt] = function(c, t)
    local v = read_fixed(c, t, { { ef.level, 2 }, { ef.option, 2 }, { ef.optval, 4, true } })
    if not v then
        return nil, short_body("SetSockOpt")
    end
    return " " .. sockopt_name(v[1], v[2]) .. " value=" .. v[3]
end

body_readers[EP.GetSockOpt] = function(c, t)
    local v = read_fixed(c, t, { { ef.level, 2 }, { ef.option, 2 } })
    if not v then
        return nil, short_body("GetSockOpt")
    end
    return " " .. sockopt_name(v[1], v[2])
end

local function datagram_reader(arrow)
    return function(c, t)
        local p, err = read_address(c, t, "peer")
        if not p then
            return nil, err
        end
        local n = read_rest(c, t)
        return " " .. arrow .. " " .. p .. " len=" .. n
    end
end
body_readers[EP.SendTo] = datagram_reader("->")
body_readers[EP.RecvFrom] = datagram_reader("<-")

body_readers[EP.Error] = function(c, t)
    local v = read_fixed(c, t, { { ef.error, 4, true } })
    if not v then
        return nil, short_body("Error code")
    end
    return " error=" .. error_name(v[1])
end

body_readers[EP.Eof] = function()
    return ""
end

body_readers[EP.Resolve] = function(c, t)
    local fam_r = cursor_take(c, 1)
    local flags_r = cursor_take(c, 1)
    if not fam_r or not flags_r then
        if fam_r then
            t:add(ef.resolve_family, fam_r)
        end
        return nil, short_body("Resolve family and flags")
    end
    t:add(ef.resolve_family, fam_r)
    local ft = t:add(ef.resolve_flags, flags_r)
    ft:add(ef.resolve_canon, flags_r)
    ft:add(ef.resolve_reserved, flags_r)
    local family, flags = fam_r:uint(), flags_r:uint()
    if not ep_resolve_family_names[family] then
        return nil, body_error("BadField", "family " .. family .. " is not 0, 4 or 6")
    end
    if band(flags, bnot(EP_RESOLVE_CANON)) ~= 0 then
        return nil, body_error("BadField", string.format("undefined resolve flag bits 0x%02x",
                                                         band(flags, 0xFE)))
    end
    local name, err = read_name(c, t, ef.name_length, ef.name, 1, true, "host name")
    if not name then
        return nil, err
    end
    local s = ' name="' .. info_string(name) .. '" family=' ..
              string.lower(ep_resolve_family_names[family])
    if band(flags, EP_RESOLVE_CANON) ~= 0 then
        s = s .. " canon"
    end
    return s
end

body_readers[EP.Resolved] = function(c, t)
    local v = read_fixed(c, t, { { ef.error, 4, true }, { ef.resolved_count, 1 } })
    if not v then
        return nil, short_body("Resolved error and count")
    end
    local code, count = v[1], v[2]
    if code < 0 and not ep_resolve_codes[code] then
        return nil, body_error("BadField", "error " .. code .. " is not an ep_resolve code")
    end
    if count > EP_MAX_RESOLVED then
        return nil, body_error("BadField", count .. " addresses (at most 16)")
    end
    if (code == 0) ~= (count > 0) then
        return nil, body_error("BadField", code == 0 and "success without an address" or
                                           "an error with addresses")
    end
    for _ = 1, count do
        local a, fam = read_address(c, t, "addr")
        if not a then
            return nil, fam
        end
        if fam == 0 then
            return nil, body_error("BadField", "resolved address of family 0")
        end
    end
    local name, err = read_name(c, t, ef.canon_name_length, ef.canon_name, 0, true,
                                "canonical name")
    if not name then
        return nil, err
    end
    if code ~= 0 then
        if name ~= "" then
            return nil, body_error("BadField", "an error with a canonical name")
        end
        return " error=" .. error_name(code)
    end
    local s = " addrs=" .. count
    if name ~= "" then
        s = s .. ' canon="' .. info_string(name) .. '"'
    end
    return s
end

-- Adds the EP tree for one SDU and returns the Info text ("EP Connect rsock=3 -> ...").
-- Checks in DecodeEpMessage's order: header Truncated, BadVersion, UnknownType, header
-- BadField, Oversized, body Truncated, TrailingBytes (one message per SDU, so bytes after
-- the declared body are an error, as for the engines), then the body.
local function dissect_ep(tvb, pinfo, tree)
    local len = tvb:len()
    local t = tree:add(ep, tvb())
    local function fail(err, why, info)
        t:add(ef.decode_error, err):set_generated()
        t:add_proto_expert_info(ex.malformed, "Malformed EP message: " .. err .. ": " .. why)
        t:append_text(" [Malformed: " .. err .. "]")
        return info .. malformed_suffix(err)
    end
    if len < EP_HEADER_SIZE then
        if len > 0 then
            t:add(ef.undecoded, tvb())
        end
        return fail("Truncated", len .. " bytes, the header has 16", "EP")
    end
    local version = tvb(0, 1):uint()
    local type = tvb(1, 1):uint()
    local flags = tvb(2, 1):uint()
    local socktype = tvb(3, 1):uint()
    local rsockid = tvb(4, 4):uint()
    local request_id = tvb(8, 4):uint()
    local body_len = tvb(12, 4):uint()
    t:add(ef.version, tvb(0, 1))
    t:add(ef.type, tvb(1, 1))
    local ft = t:add(ef.flags, tvb(2, 1))
    ft:add(ef.flag_create, tvb(2, 1))
    ft:add(ef.flag_credit_wanted, tvb(2, 1))
    ft:add(ef.flag_reserved, tvb(2, 1))
    t:add(ef.socktype, tvb(3, 1))
    t:add(ef.rsockid, tvb(4, 4))
    t:add(ef.request_id, tvb(8, 4))
    t:add(ef.body_length, tvb(12, 4))

    if version ~= EP_VERSION then
        return fail("BadVersion", "version " .. version .. " (this dissector speaks 1)", "EP")
    end
    local type_name = ep_type_names[type]
    if not type_name then
        return fail("UnknownType", "type " .. type, "EP")
    end
    local info = "EP " .. type_name
    if rsockid ~= 0 then
        info = info .. " rsock=" .. rsockid
    end
    if request_id ~= 0 then
        info = info .. " req=" .. request_id
    end
    t:append_text(", " .. type_name)
    if band(flags, bnot(EP_KNOWN_FLAGS)) ~= 0 then
        return fail("BadField", string.format("undefined flag bits 0x%02x",
                                              band(flags, 0xFC)), info)
    end
    if socktype > EP_SOCKTYPE_MAX then
        return fail("BadField", "socket type " .. socktype .. " is not 0, 1 or 2", info)
    end
    if body_len > EP_MAX_BODY then
        return fail("Oversized", "body length " .. body_len .. " > " .. EP_MAX_BODY, info)
    end
    local available = len - EP_HEADER_SIZE
    if available < body_len then
        if available > 0 then
            t:add(ef.undecoded, tvb(EP_HEADER_SIZE, available))
        end
        return fail("Truncated", "body length " .. body_len .. ", " .. available ..
                    " bytes follow the header", info)
    end
    if available > body_len then
        t:add(ef.undecoded, tvb(EP_HEADER_SIZE + body_len, available - body_len))
        return fail("TrailingBytes", (available - body_len) ..
                    " bytes after the message (one EP message per LHP SDU)", info)
    end

    -- Body checks that depend on the type but come before the body's own fields.
    if (type == EP.Resolve or type == EP.Resolved) and
       (rsockid ~= 0 or flags ~= 0 or socktype ~= 0) then
        return fail("BadField", type_name .. " names no socket: rsockId, flags and sockType " ..
                    "must be 0", info)
    end
    if band(flags, EP_FLAG_CREDIT_WANTED) ~= 0 and type ~= EP.Data then
        return fail("BadField", "the credit-wanted flag on " .. type_name .. " (Data only)",
                    info)
    end

    local c = new_cursor(tvb, EP_HEADER_SIZE, EP_HEADER_SIZE + body_len)
    local summary, err = body_readers[type](c, t)
    if not summary then
        return fail(err.err, err.why, info)
    end
    if cursor_left(c) > 0 then
        t:add(ef.undecoded, tvb(c.pos, cursor_left(c)))
        return fail("TrailingBytes", cursor_left(c) .. " bytes after the " .. type_name ..
                    " fields, inside the declared body", info)
    end
    -- A good message: the header flags, then the body's summary.
    if band(flags, EP_FLAG_CREATE) ~= 0 then
        info = info .. " +create(" .. string.lower(ep_socktype_names[socktype]) .. ")"
    end
    if band(flags, EP_FLAG_CREDIT_WANTED) ~= 0 then
        info = info .. " +credit-wanted"
    end
    return info .. summary
end

-- True if an SDU looks like an EP message (for the "heuristic" preference).
local function looks_like_ep(tvb)
    local len = tvb:len()
    if len < EP_HEADER_SIZE then
        return false
    end
    local type = tvb(1, 1):uint()
    return tvb(0, 1):uint() == EP_VERSION and type >= 1 and type <= EP_TYPE_MAX and
           tvb(12, 4):uint() == len - EP_HEADER_SIZE
end

-- ---------------------------------------------------------------------------------------
-- LHP
-- ---------------------------------------------------------------------------------------

-- Connect / Accept payload: LhpConnectParams (u16 maxPayload, u16 window, u32 nonce),
-- exactly 8 bytes (DecodeConnectParams). Returns the Info text, or nil, error name.
local function dissect_connect_params(tvb, off, plen, t)
    if plen ~= LHP_CONNECT_PARAMS_SIZE then
        local err = plen < LHP_CONNECT_PARAMS_SIZE and "Truncated" or "TrailingBytes"
        if plen > 0 then
            t:add(lf.undecoded, tvb(off, plen))
        end
        t:add(lf.connect_error, err):set_generated()
        t:add_proto_expert_info(lx.params, "Malformed LHP connect parameters: " .. err .. ": " ..
                                plen .. " bytes, they have 8")
        return nil, err
    end
    local sub = t:add(tvb(off, plen), "Connect parameters")
    sub:add(lf.max_payload, tvb(off, 2))
    sub:add(lf.connect_window, tvb(off + 2, 2))
    sub:add(lf.nonce, tvb(off + 4, 4))
    local max_payload, window = tvb(off, 2):uint(), tvb(off + 2, 2):uint()
    if max_payload == 0 or window == 0 then
        sub:add_proto_expert_info(lx.semantics, "max_payload or window 0: the peer refuses it")
    end
    return string.format(" max_payload=%d win=%d nonce=%s", max_payload, window,
                         hex32(tvb(off + 4, 4):uint()))
end

-- The link's rules for frames the codec accepts (LhpLink::On*): warnings only.
local function check_semantics(t, type, flags, channel, plen)
    local function warn(text)
        t:add_proto_expert_info(lx.semantics, text)
    end
    if type == LHP_ACK and band(flags, LHP_FLAG_ACK) == 0 then
        warn("Ack without the ack flag: the link drops it")
    end
    if (type == LHP_ACK or type == LHP_FORWARD or type == LHP_CLOSE or
        type == LHP_KEEPALIVE) and plen > 0 then
        warn(lhp_type_names[type] .. " with a payload: the link drops it")
    end
    if type == LHP_FORWARD and channel ~= 1 then
        warn("Forward on the reliable channel: the link drops it")
    end
    if band(flags, LHP_FLAG_RESPONSE) ~= 0 and type ~= LHP_CLOSE and type ~= LHP_KEEPALIVE then
        warn("response flag on " .. lhp_type_names[type] .. " (only Close and Keepalive)")
    end
end

local function dissect_lhp(tvb, pinfo, tree)
    pinfo.cols.protocol:set("LHP")
    local len = tvb:len() -- captured bytes; the checks use what was captured
    local t = tree:add(lhp, tvb())
    if len < tvb:reported_len() then
        t:add_proto_expert_info(lx.snaplen, "captured " .. len .. " of " ..
                                tvb:reported_len() .. " bytes")
    end
    local function fail(err, why, info, undecoded_from)
        if undecoded_from and len > undecoded_from then
            t:add(lf.undecoded, tvb(undecoded_from, len - undecoded_from))
        end
        t:add(lf.decode_error, err):set_generated()
        t:add_proto_expert_info(lx.malformed, "Malformed LHP frame: " .. err .. ": " .. why)
        t:append_text(" [Malformed: " .. err .. "]")
        pinfo.cols.info:set(info .. malformed_suffix(err))
    end
    if len < LHP_HEADER_SIZE then
        return fail("Truncated", len .. " bytes, the header has 24", "LHP", 0)
    end

    -- The fixed header, every field as it is on the wire.
    local version = tvb(0, 1):uint()
    local type = tvb(1, 1):uint()
    local flags = tvb(2, 1):uint()
    local channel = tvb(3, 1):uint()
    local conn_id = tvb(4, 4):uint()
    local seq = tvb(8, 4):uint()
    local ack = tvb(12, 4):uint()
    local sack = tvb(16, 4):uint()
    local window = tvb(20, 2):uint()
    local plen = tvb(22, 2):uint()
    t:add(lf.version, tvb(0, 1))
    t:add(lf.type, tvb(1, 1))
    local ft = t:add(lf.flags, tvb(2, 1))
    ft:add(lf.flag_ack, tvb(2, 1))
    ft:add(lf.flag_response, tvb(2, 1))
    ft:add(lf.flag_reserved, tvb(2, 1))
    t:add(lf.channel, tvb(3, 1))
    t:add(lf.conn_id, tvb(4, 4))
    t:add(lf.seq, tvb(8, 4))
    t:add(lf.ack, tvb(12, 4))
    local st = t:add(lf.sack, tvb(16, 4))
    t:add(lf.window, tvb(20, 2))
    t:add(lf.length, tvb(22, 2))

    -- DecodeLhpHeader's checks, in its order.
    if version ~= LHP_VERSION then
        return fail("BadVersion", "version " .. version .. " (this dissector speaks 1)", "LHP",
                    LHP_HEADER_SIZE)
    end
    local type_name = lhp_type_names[type]
    if not type_name then
        return fail("UnknownType", "type " .. type, "LHP", LHP_HEADER_SIZE)
    end
    local info = "LHP " .. type_name
    t:append_text(", " .. type_name)
    if channel >= LHP_CHANNEL_COUNT then
        return fail("BadField", "channel " .. channel .. " is not 0 or 1", info, LHP_HEADER_SIZE)
    end
    if band(flags, bnot(LHP_KNOWN_FLAGS)) ~= 0 then
        return fail("BadField", string.format("undefined flag bits 0x%02x", band(flags, 0xFC)),
                    info, LHP_HEADER_SIZE)
    end
    if plen > LHP_MAX_PAYLOAD then
        return fail("Oversized", "payload length " .. plen .. " > " .. LHP_MAX_PAYLOAD, info,
                    LHP_HEADER_SIZE)
    end
    local rest = len - LHP_HEADER_SIZE
    if rest < plen then
        return fail("Truncated", "payload length " .. plen .. ", " .. rest ..
                    " bytes follow the header", info, LHP_HEADER_SIZE)
    end
    local framed = LHP_HEADER_SIZE + plen
    if rest > plen then
        -- Bytes after the frame: Ethernet padding if the frame was short enough to need it
        -- and the whole frame is the padded minimum (60 bytes, 64 with an FCS); drivers trim
        -- them with LhpFramedLength. Anything else is TrailingBytes, as for DecodeLhpFrame.
        local before = pinfo.len - tvb:reported_len() -- link-layer bytes in front of LHP
        local padded = pinfo.len >= ETH_MIN_FRAME and pinfo.len <= ETH_MIN_FRAME_FCS and
                       before + framed < ETH_MIN_FRAME
        if not padded then
            return fail("TrailingBytes", (rest - plen) .. " bytes after the payload", info,
                        framed)
        end
        local pad = tvb(framed, rest - plen)
        local pt = t:add(lf.padding, pad)
        if pad:bytes():tohex() ~= string.rep("00", rest - plen) then
            pt:add_proto_expert_info(lx.padding)
        end
        t:set_len(framed)
    end

    -- The header is good: the summary, the generated SACK list, then the payload.
    local ch = lhp_channel_short[channel]
    if type == LHP_DATA or type == LHP_FORWARD then
        info = info .. " seq=" .. seq .. " ch=" .. ch
    elseif type == LHP_ACK then
        info = info .. " ch=" .. ch
    else
        info = info .. " conn=" .. hex32(conn_id)
        if band(flags, LHP_FLAG_RESPONSE) ~= 0 then
            info = info .. " response"
        end
    end
    if band(flags, LHP_FLAG_ACK) ~= 0 then
        -- Bit i set: frame ack+1+i has been received (modulo 2^32).
        for i = 0, 31 do
            if band(rshift(sack, i), 1) ~= 0 then
                st:add(lf.sack_seq, tvb(16, 4), (ack + 1 + i) % 4294967296):set_generated()
            end
        end
        info = info .. " ack=" .. ack
        if sack ~= 0 then
            info = info .. " sack=" .. hex32(sack)
        end
        info = info .. " win=" .. window
    end
    check_semantics(t, type, flags, channel, plen)

    if type == LHP_CONNECT or type == LHP_ACCEPT then
        local params, err = dissect_connect_params(tvb, LHP_HEADER_SIZE, plen, t)
        if params then
            info = info .. params
        else
            info = info .. malformed_suffix(err)
        end
    elseif plen > 0 then
        local payload = tvb(LHP_HEADER_SIZE, plen)
        local mode = lhp.prefs.ep_payload
        if type == LHP_DATA and (mode == EP_PAYLOAD_ALWAYS or
                                 (mode == EP_PAYLOAD_HEURISTIC and
                                  looks_like_ep(payload:tvb()))) then
            pinfo.cols.protocol:set("LHP/EP")
            info = info .. " | " .. dissect_ep(payload:tvb(), pinfo, tree)
        else
            t:add(lf.payload, payload)
        end
    end
    pinfo.cols.info:set(info)
end

-- Entry point. A dissector bug must never pass silently or take Wireshark down: it is
-- caught and shown as an expert error (which the test treats as a failure).
function lhp.dissector(tvb, pinfo, tree)
    local ok, err = pcall(dissect_lhp, tvb, pinfo, tree)
    if not ok then
        tree:add_proto_expert_info(lx.internal, "resoa.lua internal error: " .. tostring(err))
    end
    return tvb:len()
end

DissectorTable.get("ethertype"):add(LHP_ETHERTYPE, lhp)
