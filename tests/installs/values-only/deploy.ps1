# Run from the repository root:  pwsh ./deploy.ps1
$Release = "todo-api"
$Namespace = "todo"

helm upgrade --install $Release ./chart `
    --namespace $Namespace `
    --create-namespace `
    --set replicas=1 `
    --set "image.tag=$env:IMAGE_TAG"
