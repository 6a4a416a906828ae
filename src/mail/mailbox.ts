/** `"Name" <addr>` for a header, with a name that cannot break out of its quotes. */
export function mailbox(name: string, address: string): string {
  const clean = name.replace(/[\r\n"\\<>]/g, ' ').replace(/\s+/g, ' ').trim();
  return clean ? `"${clean}" <${address}>` : address;
}
