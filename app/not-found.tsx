import Link from 'next/link'
import { Card } from '@/app/ui'

// Next's own 404 page uses inline style attributes, which the Content-Security-Policy refuses.
export default function NotFound() {
  return (
    <Card title="Page not found">
      <p className="text-center text-sm text-gray-600">
        <Link href="/admin" className="font-medium text-indigo-600 hover:text-indigo-500">
          Go to your account
        </Link>
      </p>
    </Card>
  )
}
