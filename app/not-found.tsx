import { Card, CardFooter, TextLink } from '@/app/ui'

// Next's own 404 page uses inline style attributes, which the Content-Security-Policy refuses.
export default function NotFound() {
  return (
    <Card title="Page not found">
      <CardFooter>
        <TextLink href="/admin">Go to your account</TextLink>
      </CardFooter>
    </Card>
  )
}
