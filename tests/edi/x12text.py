"""Small X12 files written by hand for tests: segments as text, with the envelope counts computed."""

from __future__ import annotations


def transaction(set_id: str, control_number: str, *segments: str) -> str:
    body = [f"ST*{set_id}*{control_number}", *segments]
    return "~\n".join([*body, f"SE*{len(body) + 1}*{control_number}"]) + "~\n"


def group(
    functional_id: str,
    control_number: int,
    *transactions: str,
    sender: str = "ACMERETAIL",
    receiver: str = "WIDGETSUPPLY",
    version: str = "004010",
) -> str:
    header = f"GS*{functional_id}*{sender}*{receiver}*20261122*0930*{control_number}*X*{version}~\n"
    return header + "".join(transactions) + f"GE*{len(transactions)}*{control_number}~\n"


def interchange(
    *groups: str,
    control_number: int = 101,
    sender: str = "ACMERETAIL",
    receiver: str = "WIDGETSUPPLY",
    usage: str = "P",
    version: str = "00401",
    ack_requested: bool = False,
    preamble: str = "",
) -> bytes:
    isa = (
        f"ISA*00*{'':10}*00*{'':10}*ZZ*{sender:<15}*ZZ*{receiver:<15}*261122*0930*U*{version}"
        f"*{control_number:09d}*{int(ack_requested)}*{usage}*>~\n"
    )
    return (isa + preamble + "".join(groups) + f"IEA*{len(groups)}*{control_number:09d}~\n").encode()


def purchase_order(po_number: str, *lines: tuple[str, int, str], control_number: str = "0001") -> str:
    """An 850 with one PO1 per (item number qualifier:value, quantity, unit price)."""
    segments = [f"BEG*00*SA*{po_number}**20261120", "N1*ST*ACME DC 4*92*0004", "N3*1200 INDUSTRIAL PKWY"]
    segments.append("N4*COLUMBUS*OH*43215*US")
    for number, (item, quantity, price) in enumerate(lines, 1):
        qualifier, value = item.split(":")
        segments += [f"PO1*{number}*{quantity}*EA*{price}**{qualifier}*{value}", f"PID*F****ITEM {value}"]
    segments.append(f"CTT*{len(lines)}")
    return transaction("850", control_number, *segments)
