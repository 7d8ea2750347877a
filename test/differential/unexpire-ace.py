#!/usr/bin/python3
"""Grants or revokes Unexpire Password for Authenticated Users on a Samba DC's domain root.

  unexpire-ace.py CONF DOMAIN_DN grant|revoke

Samba 4.17 provisions the domain root with (OA;;CR;ccc2dc7d-...;;AU); samba-tool 4.17 has no
"dsacl delete", so this edits the DACL as SDDL text with the fixture's samdb-helper functions.
"""
import importlib.util
import os
import sys

HELPER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "samba", "samdb-helper.py")
ACE = "(OA;;CR;ccc2dc7d-a6ad-4a7a-8846-c04e3cc53501;;AU)"


def main(argv):
    conf, dn, action = argv[1], argv[2], argv[3]
    spec = importlib.util.spec_from_file_location("samdb_helper", HELPER)
    helper = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(helper)
    from samba.dcerpc import security
    samdb = helper.open_samdb(conf)
    sid = security.dom_sid(samdb.get_domain_sid())
    sddl = helper.read_sd(samdb, dn).as_sddl(sid).replace(ACE, "")
    if action == "grant":
        sddl += ACE
    helper.write_sd(samdb, dn, security.descriptor.from_sddl(sddl, sid))


if __name__ == "__main__":
    main(sys.argv)
