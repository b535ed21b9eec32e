"""Writes the fixture files in data/ (run once; the files are kept in the repository):
a Shopify orders export, the same file as Norwegian Excel saves it (Windows-1252, ';', decimal
commas, dates without an offset), a Shopify customers export, a WooCommerce order export (the
"Advanced Order Export For WooCommerce" default labels) and a generic orders file."""

from __future__ import annotations

import csv
import io
from pathlib import Path

DATA = Path(__file__).parent / "data"

SHOPIFY_HEADER = ["Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at",
                  "Accepts Marketing", "Currency", "Subtotal", "Shipping", "Taxes", "Total", "Discount Code",
                  "Discount Amount", "Shipping Method", "Created at", "Lineitem quantity", "Lineitem name",
                  "Lineitem price", "Lineitem compare at price", "Lineitem sku", "Lineitem requires shipping",
                  "Lineitem taxable", "Lineitem fulfillment status", "Billing Name", "Billing Street", "Billing City",
                  "Billing Zip", "Billing Country", "Billing Phone", "Cancelled at", "Payment Method",
                  "Refunded Amount", "Vendor", "Id", "Tags", "Source", "Lineitem discount", "Phone"]


def order(name, email, financial, paid_at, fulfillment, fulfilled_at, accepts, subtotal, shipping, taxes, total,
          code, discount, created, billing, country, phone, cancelled, refunded, order_id, tags, lines):
    rows = []
    for index, (quantity, title, price, sku, line_discount) in enumerate(lines):
        first = index == 0
        rows.append({
            "Name": name, "Email": email, "Financial Status": financial if first else "",
            "Paid at": paid_at if first else "", "Fulfillment Status": fulfillment if first else "",
            "Fulfilled at": fulfilled_at if first else "", "Accepts Marketing": accepts if first else "",
            "Currency": "NOK" if first else "", "Subtotal": subtotal if first else "",
            "Shipping": shipping if first else "", "Taxes": taxes if first else "", "Total": total if first else "",
            "Discount Code": code if first else "", "Discount Amount": discount if first else "",
            "Shipping Method": "Posten Servicepakke" if first else "", "Created at": created,
            "Lineitem quantity": quantity, "Lineitem name": title, "Lineitem price": price,
            "Lineitem compare at price": "", "Lineitem sku": sku, "Lineitem requires shipping": "true",
            "Lineitem taxable": "true", "Lineitem fulfillment status": "fulfilled" if fulfillment == "fulfilled" else "pending",
            "Billing Name": billing if first else "", "Billing Street": "Storgata 1" if first else "",
            "Billing City": "Tromsø" if first else "", "Billing Zip": "9008" if first else "",
            "Billing Country": country if first else "", "Billing Phone": phone if first else "",
            "Cancelled at": cancelled if first else "", "Payment Method": "Vipps" if first else "",
            "Refunded Amount": refunded if first else "", "Vendor": "Nordlys", "Id": order_id if first else "",
            "Tags": tags if first else "", "Source": "web" if first else "", "Lineitem discount": line_discount,
            "Phone": "",
        })
    return rows


SHOPIFY_ORDERS = (
    order("#1001", "kari.nordmann@example.no", "paid", "2026-01-15 10:13:02 +0100", "fulfilled",
          "2026-01-16 09:00:00 +0100", "yes", "488.80", "49.00", "107.56", "537.80", "VAR10", "50.00",
          "2026-01-15 10:12:45 +0100", "Kari Nordmann", "NO", "+47 912 34 567", "", "0.00", "5001000001", "vip",
          [("2", "Kaffefilter str. 4", "39.90", "KF-4-100", "0.00"),
           ("1", "Tennisracket Pro", "459.00", "TR-PRO", "50.00")])
    + order("#1002", "ola.normann@example.no", "partially_refunded", "2026-02-03 18:40:11 +0100", "fulfilled",
            "2026-02-04 12:00:00 +0100", "no", "1299.00", "0.00", "259.80", "1299.00", "", "0.00",
            "2026-02-03 18:40:00 +0100", "Ola Normann", "NO", "", "", "299.00", "5001000002", "",
            [("1", "Løpesko «Ærlig Østavind»", "1299.00", "LS-42", "0.00")])
    + order("#1003", "kari.nordmann@example.no", "paid", "2026-03-01 20:05:00 +0100", "", "",
            "yes", "1137.70", "79.00", "243.34", "1216.70", "", "0.00", "2026-03-01 20:04:30 +0100",
            "Kari Nordmann", "NO", "+47 912 34 567", "", "0.00", "5001000003", "",
            [("3", "Ullsokker, 3-pk", "129.90", "US-3", "0.00"), ("1", "Hodelykt", "349.00", "HL-1", "0.00"),
             ("2", "Drikkeflaske 0,75 l", "199.50", "DF-075", "0.00")])
    + order("#1004", "ase.odegard@example.no", "voided", "", "", "", "no", "249.00", "0.00", "49.80", "249.00",
            "", "0.00", "2026-03-10 08:00:00 +0100", "Åse Ødegård", "NO", "", "2026-03-10 09:30:00 +0100",
            "0.00", "5001000004", "", [("1", "Strikkelue", "249.00", "SL-1", "0.00")])
)


def _excel(value: str, column: str) -> str:
    """How Norwegian Excel saves a cell: decimal comma, thousands space, date without offset."""
    if column in ("Subtotal", "Shipping", "Taxes", "Total", "Discount Amount", "Lineitem price", "Refunded Amount",
                  "Lineitem discount") and value:
        whole, fraction = value.split(".")
        whole = f"{int(whole):,}".replace(",", "\u00a0")
        return f"{whole},{fraction}"
    if column.endswith(" at") and value:
        day, time, _ = value.split(" ")
        year, month, date = day.split("-")
        return f"{date}.{month}.{year} {time}"
    return value


def write(path: Path, header: list[str], rows: list[dict[str, str]], *, delimiter: str = ",", encoding: str = "utf-8",
          excel: bool = False) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, header, delimiter=delimiter, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _excel(value, key) if excel else value for key, value in row.items()})
    path.write_bytes(buffer.getvalue().encode(encoding))


SHOPIFY_CUSTOMERS_HEADER = ["Customer ID", "First Name", "Last Name", "Email", "Accepts Email Marketing",
                            "Default Address Company", "Default Address Address1", "Default Address Address2",
                            "Default Address City", "Default Address Province Code", "Default Address Country Code",
                            "Default Address Zip", "Default Address Phone", "Phone", "Accepts SMS Marketing",
                            "Total Spent", "Total Orders", "Note", "Tax Exempt", "Tags"]
SHOPIFY_CUSTOMERS = [
    ["7001", "Kari", "Nordmann", "kari.nordmann@example.no", "yes", "", "Storgata 1", "", "Tromsø", "", "NO", "9008",
     "+4791234567", "+4791234567", "no", "1754.50", "2", "", "no", "VIP, Tennis"],
    ["7002", "Ola", "Normann", "ola.normann@example.no", "no", "Klipp og Krøll AS", "Kirkegata 5", "", "Bodø", "",
     "NO", "8006", "", "", "no", "1000.00", "1", "", "no", ""],
    ["7003", "Åse", "Ødegård", "ase.odegard@example.no", "no", "", "", "", "", "", "NO", "", "", "+47 48 00 11 22",
     "yes", "0.00", "0", "Ringer helst", "no", "løping"],
]

WOO_HEADER = ["Order ID", "Order Number", "Order Status", "Order Date", "Customer User ID", "Email (Billing)",
              "First Name (Billing)", "Last Name (Billing)", "Company (Billing)", "Phone (Billing)",
              "Country Code (Billing)", "Order Currency", "Payment Method Title", "Cart Discount Amount",
              "Order Subtotal Amount", "Order Shipping Amount", "Order Refund Amount", "Order Total Amount",
              "Order Total Tax Amount", "Coupon Code", "Item #", "Item Name", "SKU", "Product Id", "Variation Id",
              "Quantity", "Item Cost"]
WOO_ROWS = [
    ["727", "727", "Completed", "2026-02-10 14:03", "12", "per.hansen@example.no", "Per", "Hansen", "", "+4799887766",
     "NO", "NOK", "Vipps", "40.00", "400.00", "59.00", "0.00", "523.75", "104.75", "vinter20", "31", "Vinterhansker",
     "VH-M", "88", "0", "2", "100.00"],
    ["727", "727", "Completed", "2026-02-10 14:03", "12", "per.hansen@example.no", "Per", "Hansen", "", "+4799887766",
     "NO", "NOK", "Vipps", "40.00", "400.00", "59.00", "0.00", "523.75", "104.75", "vinter20", "32", "Skjerf",
     "SK-1", "89", "0", "1", "200.00"],
    ["728", "728", "Refunded", "2026-02-11 09:30", "0", "gjest@example.no", "Liv", "Gjest", "Fjelltur AS", "",
     "NO", "NOK", "Kort", "0.00", "150.00", "0.00", "187.50", "187.50", "37.50", "", "33", "Termos", "TM-1", "90",
     "0", "1", "150.00"],
]

GENERIC_HEADER = ["customer_id", "email", "order_id", "placed_at", "sku", "quantity", "unit_price", "currency",
                  "name", "status", "shipping"]
GENERIC_ROWS = [
    ["c-1", "kari.nordmann@example.no", "g-1", "2026-04-01T12:00:00+02:00", "KF-4-100", "2", "39.90", "NOK",
     "Kaffefilter", "paid", "49.00"],
    ["c-1", "kari.nordmann@example.no", "g-1", "2026-04-01T12:00:00+02:00", "TR-PRO", "1", "459.00", "NOK",
     "Tennisracket", "paid", "49.00"],
    ["c-2", "bjorn@example.no", "g-2", "2026-04-02T08:30:00+02:00", "HL-1", "1", "349.00", "NOK", "Hodelykt",
     "fulfilled", ""],
]


def main() -> None:
    DATA.mkdir(exist_ok=True)
    write(DATA / "shopify_orders.csv", SHOPIFY_HEADER, SHOPIFY_ORDERS)
    write(DATA / "shopify_orders_excel_nb.csv", SHOPIFY_HEADER, SHOPIFY_ORDERS, delimiter=";", encoding="cp1252",
          excel=True)
    (DATA / "shopify_orders_bom.csv").write_bytes(b"\xef\xbb\xbf" + (DATA / "shopify_orders.csv").read_bytes())
    write(DATA / "shopify_customers.csv", SHOPIFY_CUSTOMERS_HEADER,
          [dict(zip(SHOPIFY_CUSTOMERS_HEADER, row, strict=True)) for row in SHOPIFY_CUSTOMERS])
    write(DATA / "woocommerce_orders.csv", WOO_HEADER, [dict(zip(WOO_HEADER, row, strict=True)) for row in WOO_ROWS])
    write(DATA / "generic_orders.csv", GENERIC_HEADER,
          [dict(zip(GENERIC_HEADER, row, strict=True)) for row in GENERIC_ROWS])


if __name__ == "__main__":
    main()
