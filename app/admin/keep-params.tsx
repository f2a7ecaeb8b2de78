/** Hidden fields, so that a search keeps the audit log's filter, and the filter keeps the search. */
export function KeepParams({ params }: { params: Record<string, string | number | undefined> }) {
  return (
    <>
      {Object.entries(params).map(([name, value]) => (value === undefined ? null : <input key={name} type="hidden" name={name} value={value} />))}
    </>
  )
}
