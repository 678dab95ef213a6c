#!/usr/bin/env python3
"""The yardstick for Forms 4 and 5: ../shared/bench/py_extract.py (the plain script a researcher writes), with its
extract() taking Table I and II transactions too, written the same way (ElementTree, one find per field) to two more
tables, nonderiv_trans.csv and deriv_trans.csv. Same command line as py_extract.py.

  py_extract_45.py CSV OUTDIR [--procs N] [--parser etree|lxml] [--checkpoint DONE_LIST]
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "shared", "bench"))
import py_extract as base  # noqa: E402

base.TABLES["nonderiv_trans"] = ["accession", "row", "security_title", "transaction_date", "form_type", "code", "shares",
                                 "price", "acquired_disposed", "shares_owned_after", "direct_or_indirect", "footnote_ids"]
base.TABLES["deriv_trans"] = ["accession", "row", "security_title", "conversion_or_exercise_price", "transaction_date",
                              "form_type", "code", "shares", "price", "acquired_disposed", "exercise_date",
                              "expiration_date", "underlying_title", "underlying_shares", "shares_owned_after",
                              "direct_or_indirect", "footnote_ids"]

def extract(path):
    """py_extract.extract with the transactions of both tables, from the same single parse."""
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    m = base.HDR_ACC.search(text)
    acc = m.group(1) if m else os.path.basename(path)[:-4]
    m = base.HDR_FILED.search(text)
    filed = m.group(1) if m else ""
    a = text.find("<XML>")
    b = text.find("</XML>", a)
    if a < 0 or b < 0:
        raise ValueError("no <XML> block")
    root = base.ET.fromstring(text[a + 5:b].strip())
    txt, flag, fn_ids = base.txt, base.flag, base.fn_ids
    owners = []
    for o in root.findall("reportingOwner"):
        rel = "reportingOwnerRelationship/"
        roles = [w for t, w in (("isDirector", "Director"), ("isOfficer", "Officer"), ("isTenPercentOwner", "10% Owner"),
                                ("isOther", "Other")) if flag(o, rel + t) == "1"]
        owners.append([acc, txt(o, "reportingOwnerId/rptOwnerCik"), txt(o, "reportingOwnerId/rptOwnerName"),
                       flag(o, rel + "isDirector"), flag(o, rel + "isOfficer"), flag(o, rel + "isTenPercentOwner"),
                       flag(o, rel + "isOther"), txt(o, rel + "officerTitle"), txt(o, rel + "otherText"), "; ".join(roles)])
    nd = [[acc, i, txt(h, "securityTitle/value"), txt(h, "postTransactionAmounts/sharesOwnedFollowingTransaction/value"),
           txt(h, "ownershipNature/directOrIndirectOwnership/value"), txt(h, "ownershipNature/natureOfOwnership/value"), fn_ids(h)]
          for i, h in enumerate(root.findall("nonDerivativeTable/nonDerivativeHolding"), 1)]
    dv = [[acc, i, txt(h, "securityTitle/value"), txt(h, "conversionOrExercisePrice/value"), txt(h, "exerciseDate/value"),
           txt(h, "expirationDate/value"), txt(h, "underlyingSecurity/underlyingSecurityTitle/value"),
           txt(h, "underlyingSecurity/underlyingSecurityShares/value"), txt(h, "ownershipNature/directOrIndirectOwnership/value"),
           txt(h, "ownershipNature/natureOfOwnership/value"), fn_ids(h)]
          for i, h in enumerate(root.findall("derivativeTable/derivativeHolding"), 1)]
    nt = [[acc, i, txt(t, "securityTitle/value"), txt(t, "transactionDate/value"), txt(t, "transactionCoding/transactionFormType"),
           txt(t, "transactionCoding/transactionCode"), txt(t, "transactionAmounts/transactionShares/value"),
           txt(t, "transactionAmounts/transactionPricePerShare/value"), txt(t, "transactionAmounts/transactionAcquiredDisposedCode/value"),
           txt(t, "postTransactionAmounts/sharesOwnedFollowingTransaction/value"),
           txt(t, "ownershipNature/directOrIndirectOwnership/value"), fn_ids(t)]
          for i, t in enumerate(root.findall("nonDerivativeTable/nonDerivativeTransaction"), 1)]
    dt = [[acc, i, txt(t, "securityTitle/value"), txt(t, "conversionOrExercisePrice/value"), txt(t, "transactionDate/value"),
           txt(t, "transactionCoding/transactionFormType"), txt(t, "transactionCoding/transactionCode"),
           txt(t, "transactionAmounts/transactionShares/value"), txt(t, "transactionAmounts/transactionPricePerShare/value"),
           txt(t, "transactionAmounts/transactionAcquiredDisposedCode/value"), txt(t, "exerciseDate/value"),
           txt(t, "expirationDate/value"), txt(t, "underlyingSecurity/underlyingSecurityTitle/value"),
           txt(t, "underlyingSecurity/underlyingSecurityShares/value"),
           txt(t, "postTransactionAmounts/sharesOwnedFollowingTransaction/value"),
           txt(t, "ownershipNature/directOrIndirectOwnership/value"), fn_ids(t)]
          for i, t in enumerate(root.findall("derivativeTable/derivativeTransaction"), 1)]
    fns = [[acc, f.get("id"), " ".join((f.text or "").split())] for f in root.findall("footnotes/footnote")]
    filing = [acc, path, filed, txt(root, "periodOfReport"), txt(root, "documentType"), txt(root, "schemaVersion"),
              txt(root, "issuer/issuerCik"), txt(root, "issuer/issuerName"), txt(root, "issuer/issuerTradingSymbol"),
              txt(root, "noSecuritiesOwned"), len(owners), len(nd), len(dv)]
    return {"filings": [filing], "owners": owners, "nonderiv": nd, "deriv": dv, "nonderiv_trans": nt, "deriv_trans": dt,
            "footnotes": fns}


base.extract = extract

if __name__ == "__main__":
    base.main()
