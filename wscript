# -*- Mode: python; py-indent-offset: 4; indent-tabs-mode: nil; coding: utf-8; -*-
# The resoa module for waf-era ns-3 trees (<= 3.35), as contrib/resoa. Keep the source lists
# in step with CMakeLists.txt (it reads them from there).

import os


def _cmake_list(ctx, name):
    """Reads `set(name ...)` from CMakeLists.txt, so the lists live once."""
    files = []
    for f in ('CMakeLists.txt',):
        text = ctx.path.find_node(f).read()
        start = text.find('set(%s' % name)
        if start < 0:
            continue
        body = text[start + len('set(%s' % name):text.find(')', start)]
        for tok in body.split():
            if tok.startswith('${'):
                files += _cmake_list(ctx, tok[2:-1])
            elif not tok.startswith('#'):
                files.append(tok)
    return files


def configure(conf):
    conf.env.append_value('CXXFLAGS', ['-std=c++17'])


def build(bld):
    module = bld.create_ns3_module('resoa', ['core', 'network', 'wifi', 'mobility', 'propagation',
                                             'internet', 'applications', 'point-to-point', 'csma',
                                             'fd-net-device'])
    module.source = _cmake_list(bld, 'resoa_core_sources') + _cmake_list(bld, 'resoa_ns3_sources')

    tests = bld.create_ns3_module_test_library('resoa')
    tests.source = ['test/ns3/resoa-ns3-test-suite.cc']

    headers = bld(features='ns3header')
    headers.module = 'resoa'
    headers.source = _cmake_list(bld, 'resoa_core_headers') + _cmake_list(bld, 'resoa_ns3_headers')

    if bld.env.ENABLE_EXAMPLES:
        for name in ('lhp-over-lossy-wifi', 'resoa-first', 'resoa-ftp', 'resoa-many-clients',
                     'resoa-compare', 'resoa-emu-wifi-hop', 'resoa-emu-real-client',
                     'resoa-emu-real-internet'):
            obj = bld.create_ns3_program(name, ['resoa', 'wifi', 'mobility', 'internet',
                                                'applications', 'point-to-point', 'csma',
                                                'fd-net-device'])
            obj.source = ['examples/%s.cc' % name]
            if name == 'resoa-compare':
                obj.source.append('examples/harness/compare-scenario.cc')
            elif name != 'lhp-over-lossy-wifi':
                obj.source.append('examples/harness/command-line-checks.cc')
            if name.startswith('resoa-emu-'):
                obj.source.append('examples/emu/emu-example-common.cc')

    bld.ns3_python_bindings()
