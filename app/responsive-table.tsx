'use client'

import { type ReactNode, createContext, use } from 'react'

// A table that is a table where there is room, and a stack of cards where there is not (a phone):
// one markup for both, switched by the width of its own container (a container query), so the
// same table works in a narrow column and in a wide page. The roles are explicit because some
// browsers drop a table's semantics once its display changes; the header row stays for screen
// readers, and each cell repeats its column's name on screen only while stacked.

type Layout = { table: string; head: string; body: string; row: string; cell: string; label: string; value: string }

// Literal class names, so that Tailwind finds them. `narrow` becomes a table at 42rem of
// container width, `wide` (more columns) at 56rem.
const LAYOUTS = {
  narrow: {
    table: 'block w-full text-left text-sm @2xl:table',
    head: 'sr-only text-gray-600 @2xl:not-sr-only @2xl:table-header-group',
    body: 'block space-y-3 @2xl:table-row-group',
    row: 'block rounded-md border border-gray-200 p-3 @2xl:table-row @2xl:rounded-none @2xl:border-x-0 @2xl:border-b-0 @2xl:border-gray-100 @2xl:p-0',
    cell: 'flex items-baseline justify-between gap-4 py-1 @2xl:table-cell @2xl:py-2 @2xl:pr-3 @2xl:align-middle',
    label: 'shrink-0 text-gray-600 @2xl:hidden',
    value: 'min-w-0 text-right wrap-anywhere @2xl:text-left',
  },
  wide: {
    table: 'block w-full text-left text-sm @4xl:table',
    head: 'sr-only text-gray-600 @4xl:not-sr-only @4xl:table-header-group',
    body: 'block space-y-3 @4xl:table-row-group',
    row: 'block rounded-md border border-gray-200 p-3 @4xl:table-row @4xl:rounded-none @4xl:border-x-0 @4xl:border-b-0 @4xl:border-gray-100 @4xl:p-0',
    cell: 'flex items-baseline justify-between gap-4 py-1 @4xl:table-cell @4xl:py-2 @4xl:pr-3 @4xl:align-middle',
    label: 'shrink-0 text-gray-600 @4xl:hidden',
    value: 'min-w-0 text-right wrap-anywhere @4xl:text-left',
  },
} satisfies Record<string, Layout>

const LayoutContext = createContext<Layout>(LAYOUTS.narrow)

/** `columns` name the header cells; an empty name is a column of buttons ("Actions" for screen readers). */
export function Table({ label, columns, size = 'narrow', children }: { label: string; columns: string[]; size?: keyof typeof LAYOUTS; children: ReactNode }) {
  const layout = LAYOUTS[size]
  return (
    <div className="@container">
      <LayoutContext value={layout}>
        <table role="table" aria-label={label} className={layout.table}>
          <thead role="rowgroup" className={layout.head}>
            <tr role="row">
              {columns.map((column, index) => (
                <th key={index} role="columnheader" scope="col" className="py-1 pr-3 font-medium">
                  {column === '' ? <span className="sr-only">Actions</span> : column}
                </th>
              ))}
            </tr>
          </thead>
          <tbody role="rowgroup" className={layout.body}>
            {children}
          </tbody>
        </table>
      </LayoutContext>
    </div>
  )
}

export function Row({ testId, children }: { testId?: string; children: ReactNode }) {
  return (
    <tr role="row" data-testid={testId} className={use(LayoutContext).row}>
      {children}
    </tr>
  )
}

/** A cell; `label` is its column's name, shown beside the value while the rows are stacked. */
export function Cell({ label, className = '', children }: { label?: string; className?: string; children: ReactNode }) {
  const layout = use(LayoutContext)
  return (
    <td role="cell" className={`${layout.cell} ${className}`}>
      {label !== undefined ? (
        <span aria-hidden="true" className={layout.label}>
          {label}
        </span>
      ) : null}
      {/* Without a label (a cell of buttons) the value takes the whole width of its card. */}
      <div className={label !== undefined ? layout.value : 'w-full'}>{children}</div>
    </td>
  )
}
